/**
 * The two stores measured side by side, behind one small interface: Rota's LevelDB log and
 * y-leveldb (what @y/websocket-server persists with), on the same updates.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { LeveldbPersistence } from 'y-leveldb'
import { ClassicLevel } from 'classic-level'
import * as Y from 'yjs'
import { applyStateParts } from '@rota/log'
import { metaFor } from '@rota/log/testing'
import { openLevelLog } from '@rota/log-leveldb'
import type { Durability, LevelLog, LevelLogOptions } from '@rota/log-leveldb'

interface Store {
  append(doc: string, update: Uint8Array): Promise<unknown>
  /** Everything a server does to have the document in memory: read the stored form, build a Y.Doc. */
  load(doc: string): Promise<{ doc: Y.Doc; readMs: number }>
  close(): Promise<void>
}

export interface StoreKind {
  id: string
  label: string
  /** What an acknowledged write survives. */
  durability: string
  open(dir: string): Promise<Store>
}

export function rotaKind(durability: Durability, extra: Partial<LevelLogOptions> = {}, label = `rota (${durability})`): StoreKind {
  return {
    id: `rota-${durability}${extra.checkpointEvery === undefined ? '' : '-nocp'}`,
    label,
    durability: durability === 'sync' ? 'fsync per group commit' : 'OS buffered (process crash safe)',
    async open(dir) {
      // Loads must not leave checkpoints behind (the no-checkpoint rows measure a bare log).
      const log: LevelLog = await openLevelLog({ dir, durability, checkpointOnClose: false, ...extra })
      let time = 0
      return {
        append: (doc, update) => log.append(doc, update, serverMeta(update, Date.now() + time++)),
        // What a server should do: take the stored form (a v2 checkpoint and the tail) and apply it
        // in one transaction, rather than stateAt's single v1 update (a conversion and a merge more).
        async load(doc) {
          const started = performance.now()
          const parts = await log.stateParts(doc)
          const readMs = performance.now() - started
          const ydoc = new Y.Doc()
          applyStateParts(ydoc, parts)
          return { doc: ydoc, readMs }
        },
        close: () => log.close(),
      }
    },
  }
}

export const yLeveldbKind: StoreKind = {
  id: 'y-leveldb',
  label: 'y-leveldb 0.2',
  durability: 'no fsync (LevelDB default), one global queue',
  async open(dir) {
    const persistence = new LeveldbPersistence(dir)
    return {
      append: (doc, update) => persistence.storeUpdate(doc, update),
      async load(doc) {
        const started = performance.now()
        const ydoc = await persistence.getYDoc(doc)
        return { doc: ydoc, readMs: performance.now() - started }
      },
      close: () => persistence.destroy(),
    }
  },
}

/** The meta a server appends with: the update's own client ids (as `Y.parseUpdateMeta` gives them). */
export const serverMeta = (update: Uint8Array, receivedAt: number) => metaFor('bench', [...Y.parseUpdateMeta(update).to.keys()], receivedAt)

export async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size
  return total
}

/**
 * Compacts a closed LevelDB directory fully (what LevelDB does on its own over time): the
 * write-ahead log and overwritten or deleted values are folded into compressed tables.
 */
export async function compactDir(dir: string): Promise<void> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  await db.compactRange(new Uint8Array([0x00]), new Uint8Array([0xff, 0xff, 0xff, 0xff]))
  await db.close()
}
