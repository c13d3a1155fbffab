import { crc32 } from 'node:zlib'
import { ClassicLevel } from 'classic-level'
import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LogErrorCode, ORIGINS, applyStateParts, stateParts } from '@rota/log'
import type { EntryMeta, LogEntry } from '@rota/log'
import { addShift, contentOf, createEditor, docFromState, editShift, metaFor } from '@rota/log/testing'
import { decodeEntry, decodeEntryUpdate, encodeEntry } from './codec.ts'
import { FORMAT_KEY, Tag, docPrefix, documentKey, seqKey } from './keys.ts'
import { openLevelLog } from './level-log.ts'
import { T0, withDir } from './test-helpers.ts'

/**
 * Values exactly as the first version (format 1) wrote them: a fixture of the old layout, so that
 * directories written before the denser format keep reading.
 */
function sealV1(key: Uint8Array, body: Uint8Array): Uint8Array {
  const value = new Uint8Array(body.length + 4)
  value.set(body)
  new DataView(value.buffer).setUint32(body.length, crc32(body, crc32(key)))
  return value
}

function entryV1(key: Uint8Array, meta: EntryMeta, update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, 1)
  encoding.writeVarUint(encoder, meta.receivedAt)
  encoding.writeUint8(encoder, 0)
  encoding.writeVarString(encoder, meta.actor)
  encoding.writeVarString(encoder, meta.role)
  encoding.writeUint8(encoder, ORIGINS.indexOf(meta.origin))
  encoding.writeVarUint(encoder, meta.clientIds.length)
  for (const id of meta.clientIds) encoding.writeVarUint(encoder, id)
  encoding.writeUint8Array(encoder, update)
  return sealV1(key, encoding.toUint8Array(encoder))
}

function checkpointV1(key: Uint8Array, time: number, state: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, 1)
  encoding.writeVarUint(encoder, time)
  encoding.writeUint8Array(encoder, state)
  return sealV1(key, encoding.toUint8Array(encoder))
}

/** A document record of format 1: base 0, next seq `next`, no flags, no cuts. */
function recordV1(key: Uint8Array, next: number): Uint8Array {
  return sealV1(key, new Uint8Array([1, 0, 0, 0, next, 0]))
}

async function collect(iterable: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = []
  for await (const entry of iterable) out.push(entry)
  return out
}

describe('storage format', () => {
  it('keeps reading a directory written in format 1 (entries and v1 checkpoints), and upgrades it', () =>
    withDir(async (dir) => {
      const editor = createEditor(3)
      const updates = Array.from({ length: 6 }, (_, i) => editor.edit((d) => (i === 0 ? addShift(d, 's', 1) : editShift(d, 's', i)))!)
      const metas = updates.map((_, i) => metaFor('ana', [3], T0 + i * 1000))
      const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
      await db.open()
      await db.put(FORMAT_KEY, sealV1(FORMAT_KEY, new Uint8Array([1])))
      await db.put(documentKey('old'), recordV1(documentKey('old'), 7))
      for (const [i, update] of updates.entries()) {
        const key = seqKey(docPrefix(Tag.Entry, 'old'), i + 1)
        await db.put(key, entryV1(key, metas[i]!, update))
      }
      const atFour = new Y.Doc()
      for (const update of updates.slice(0, 4)) Y.applyUpdate(atFour, update)
      const checkpointKey = seqKey(docPrefix(Tag.Checkpoint, 'old'), 4)
      await db.put(checkpointKey, checkpointV1(checkpointKey, T0 + 3000, Y.encodeStateAsUpdate(atFour)))
      await db.close()

      let log = await openLevelLog({ dir, checkpointOnClose: false })
      expect(await log.verify('old')).toMatchObject({ entries: 6, damaged: [], damagedCheckpoints: [] })
      expect((await collect(log.read('old'))).map((entry) => [entry.update, entry.meta])).toEqual(updates.map((u, i) => [u, metas[i]]))
      // The v1 checkpoint at 4 serves both forms of the state.
      const parts = await stateParts(log, 'old')
      expect(parts.map((part) => part.encoding)).toEqual(['v1', 'v1', 'v1'])
      const head = new Y.Doc()
      applyStateParts(head, parts)
      expect(contentOf(head)).toEqual(contentOf(editor.doc))
      expect(contentOf(docFromState(await log.stateAt('old', { seq: 5 })))).toEqual(
        contentOf(docFromState(Y.mergeUpdates(updates.slice(0, 5)))),
      )
      // New entries are written in the new format beside the old ones.
      const next = editor.edit((d) => editShift(d, 's', 40))!
      expect(await log.append('old', next, metaFor('ben', [3], T0 + 9000))).toBe(7)
      await log.close()

      log = await openLevelLog({ dir })
      expect(await log.verify('old')).toMatchObject({ entries: 7, damaged: [] })
      expect(contentOf(docFromState(await log.stateAt('old')))).toEqual(contentOf(editor.doc))
      await log.close()
      // The directory now says format 2, which the first version refuses to open instead of misreading.
      const reopened = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
      await reopened.open()
      expect((await reopened.get(FORMAT_KEY))?.[0]).toBe(2)
      await reopened.close()
    }))

  it('refuses a directory of an unknown (newer) format with ROTA_LOG_OPEN_FAILED and changes nothing', () =>
    withDir(async (dir) => {
      const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
      await db.open()
      const newer = sealV1(FORMAT_KEY, new Uint8Array([3]))
      await db.put(FORMAT_KEY, newer)
      await db.close()
      await expect(openLevelLog({ dir })).rejects.toMatchObject({ code: LogErrorCode.OpenFailed, dir })
      await db.open()
      expect(new Uint8Array((await db.get(FORMAT_KEY))!)).toEqual(newer)
      await db.close()
    }))

  it('round-trips any meta through the entry encoding (and format 1), storing client ids only when they are not the update’s', () => {
    const a = createEditor(1)
    const b = createEditor(2 ** 32 - 1)
    const update = Y.mergeUpdates([a.edit((d) => addShift(d, 'a', 1))!, b.edit((d) => addShift(d, 'b', 2))!])
    const own = [...Y.parseUpdateMeta(update).to.keys()]
    const key = seqKey(docPrefix(Tag.Entry, 'x'), 1)
    const meta = fc.record(
      {
        actor: fc.string({ minLength: 1 }),
        role: fc.oneof(fc.constantFrom('viewer', 'staff', 'lead', 'manager', 'admin', 'system'), fc.string({ minLength: 1 })),
        origin: fc.constantFrom(...ORIGINS),
        clientIds: fc.oneof(fc.constant(own), fc.array(fc.nat({ max: 2 ** 32 - 1 }), { maxLength: 4 })),
        receivedAt: fc.nat({ max: 2 ** 45 }),
        clientTime: fc.nat({ max: 2 ** 45 }),
        details: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
      },
      { requiredKeys: ['actor', 'role', 'origin', 'clientIds', 'receivedAt'] },
    )
    fc.assert(
      fc.property(meta, (m) => {
        const value = encodeEntry(key, m, update, own)
        expect(decodeEntry(key, value)).toEqual({ meta: m, update })
        expect(decodeEntryUpdate(key, value)).toEqual(update)
        // Format 1 too (only the fields it had).
        const old = { actor: m.actor, role: m.role, origin: m.origin, clientIds: m.clientIds, receivedAt: m.receivedAt }
        const oldValue = entryV1(key, old, update)
        expect(decodeEntry(key, oldValue)).toEqual({ meta: old, update })
        expect(decodeEntryUpdate(key, oldValue)).toEqual(update)
      }),
    )
    // What a server stores besides the update: head 1, receivedAt 6, actor 1 + 5, origin and role 1, checksum 4.
    const serverMeta = { actor: 'ana-1', role: 'staff', origin: 'ws' as const, clientIds: own, receivedAt: T0 }
    expect(encodeEntry(key, serverMeta, update, own).length - update.length).toBe(1 + 6 + 6 + 1 + 4)
  })
})
