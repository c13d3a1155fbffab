import { readdir, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LogErrorCode } from '@rota/log'
import type { LogEntry } from '@rota/log'
import { contentOf, docFromState, metaFor } from '@rota/log/testing'
import { Tag, docPrefix, seqKey } from './keys.ts'
import { openLevelLog } from './level-log.ts'
import { repairLevelLog } from './repair.ts'
import { T0, withDir, writeEdits } from './test-helpers.ts'

async function collect(iterable: AsyncIterable<LogEntry>): Promise<number[]> {
  const seqs: number[] = []
  for await (const entry of iterable) seqs.push(entry.seq)
  return seqs
}

/** Flips one byte of a stored value, through LevelDB itself (as a bad disk or a bug would). */
async function flipByte(dir: string, key: Uint8Array, at: (length: number) => number): Promise<void> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const value = (await db.get(key))!.slice()
  value[at(value.length)]! ^= 0x5a
  await db.put(key, value)
  await db.close()
}

describe('damaged entries', () => {
  it('reports a flipped byte with doc and seq, and the rest of the log still reads', () =>
    withDir(async (dir) => {
      let log = await openLevelLog({ dir, checkpointEvery: 1_000_000 })
      const { updates } = await writeEdits(log, 'acme/w1', 20)
      await writeEdits(log, 'acme/w2', 3)
      await log.close()
      await flipByte(dir, seqKey(docPrefix(Tag.Entry, 'acme/w1'), 12), (length) => length - 8)

      log = await openLevelLog({ dir })
      const report = await log.verify('acme/w1')
      expect(report.entries).toBe(20)
      expect(report.damaged).toEqual([{ seq: 12, reason: 'checksum mismatch' }])
      expect((await log.verify('acme/w2')).damaged).toEqual([])

      await expect(collect(log.read('acme/w1'))).rejects.toMatchObject({ code: LogErrorCode.Corrupt, doc: 'acme/w1', seq: 12 })
      await expect(log.stateAt('acme/w1')).rejects.toMatchObject({ code: LogErrorCode.Corrupt, doc: 'acme/w1', seq: 12 })
      expect(await collect(log.read('acme/w1', { toSeq: 11 }))).toEqual([...Array(11).keys()].map((i) => i + 1))
      expect(await collect(log.read('acme/w1', { fromSeq: 13 }))).toHaveLength(8)
      const before = new Y.Doc()
      for (const update of updates.slice(0, 11)) Y.applyUpdate(before, update)
      expect(contentOf(docFromState(await log.stateAt('acme/w1', { seq: 11 })))).toEqual(contentOf(before))

      // The operator cuts the damaged tail; the document is whole again and numbering goes on.
      expect(await log.truncateAfter('acme/w1', 11)).toBe(9)
      expect(await log.verify('acme/w1')).toMatchObject({ entries: 11, damaged: [] })
      expect(contentOf(docFromState(await log.stateAt('acme/w1')))).toEqual(contentOf(before))
      const fresh = docFromState(await log.stateAt('acme/w1'))
      let update: Uint8Array | undefined
      fresh.on('update', (u: Uint8Array) => (update = u))
      ;(fresh.getMap('shifts').get('s10') as Y.Map<unknown>).set('assignee', 'hugo')
      expect(await log.append('acme/w1', update!, metaFor('ops', [fresh.clientID], T0 + 99_000))).toBe(21)
      await log.close()
    }))

  it('falls back from a damaged checkpoint to the entries (checkpoints are derived data)', () =>
    withDir(async (dir) => {
      let log = await openLevelLog({ dir, checkpointEvery: 1_000_000 })
      const { editor } = await writeEdits(log, 'd', 30)
      expect(await log.checkpoint('d')).toBe(30)
      await log.close()
      await flipByte(dir, seqKey(docPrefix(Tag.Checkpoint, 'd'), 30), (length) => Math.floor(length / 2))

      const errors: Error[] = []
      log = await openLevelLog({ dir, observer: { onError: (error) => errors.push(error) } })
      expect(contentOf(docFromState(await log.stateAt('d')))).toEqual(contentOf(editor.doc))
      expect(errors).toMatchObject([{ code: LogErrorCode.Corrupt, doc: 'd', seq: 30 }])
      expect(await log.verify('d')).toMatchObject({ damaged: [], damagedCheckpoints: [30] })
      await log.dropCheckpoints('d')
      expect(await log.verify('d')).toMatchObject({ damaged: [], damagedCheckpoints: [] })
      await log.close()
    }))

  it('gives the same state with every checkpoint deleted', () =>
    withDir(async (dir) => {
      const log = await openLevelLog({ dir, checkpointEvery: 7 })
      const { editor } = await writeEdits(log, 'd', 60)
      await log.idle()
      const withCheckpoints = await log.stateAt('d', { seq: 45 })
      await log.dropCheckpoints()
      expect(contentOf(docFromState(await log.stateAt('d', { seq: 45 })))).toEqual(contentOf(docFromState(withCheckpoints)))
      expect(contentOf(docFromState(await log.stateAt('d')))).toEqual(contentOf(editor.doc))
      await log.close()
    }))
})

describe("damaged LevelDB files", () => {
  it('refuses to open with an error naming the directory; repairLevelLog recovers what is intact', () =>
    withDir(async (dir) => {
      let log = await openLevelLog({ dir, durability: 'buffered', checkpointEvery: 1_000_000 })
      for (let doc = 0; doc < 4; doc++) await writeEdits(log, `t/${doc}`, 400)
      await log.close()
      // Push everything into table files, then cut the largest one in half.
      const db = new ClassicLevel(dir)
      await db.open()
      await db.compactRange('\u0000', '\u00ff')
      await db.close()
      const tables = (await readdir(dir)).filter((name) => name.endsWith('.ldb') || name.endsWith('.sst'))
      expect(tables.length).toBeGreaterThan(0)
      const sizes = await Promise.all(tables.map(async (name) => [name, (await stat(join(dir, name))).size] as const))
      const [largest, size] = sizes.sort((a, b) => b[1] - a[1])[0]!
      await truncate(join(dir, largest), Math.floor(size / 2))

      await expect(openLevelLog({ dir })).rejects.toMatchObject({ code: LogErrorCode.StorageCorrupt, dir })

      const report = await repairLevelLog({ dir, truncateDamaged: true })
      expect(report.docs.every((doc) => doc.damaged.length === 0)).toBe(true)
      log = await openLevelLog({ dir })
      let entries = 0
      for await (const summary of log.listDocs()) {
        const verified = await log.verify(summary.doc)
        expect(verified).toMatchObject({ damaged: [] })
        entries += verified.entries
        Y.applyUpdate(new Y.Doc(), await log.stateAt(summary.doc))
      }
      // Half a table is gone: what remains is an intact prefix of each history, usable again.
      expect(entries).toBeLessThan(1600)
      await log.close()
    }))
})
