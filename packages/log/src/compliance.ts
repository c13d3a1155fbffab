/**
 * The shared compliance suite: every `UpdateLog` backend runs it from its own test file,
 *
 *   runUpdateLogCompliance('memory', async () => ({ log: createMemoryLog(), cleanup: async () => {} }), { persistent: false })
 *
 * Tests that need a capability are skipped by the capability a backend declares, never by its name.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LogErrorCode } from './errors.ts'
import type { LogErrorCode as Code } from './errors.ts'
import { EMPTY_STATE, applyStateParts, stateParts } from './state.ts'
import { sharedStorageTests } from './compliance-shared.ts'
import { addShift, collect, contentOf, createEditor, docFromState, editShift, metaFor } from './testing.ts'
import type { EntryMeta, UpdateLog } from './types.ts'

export interface LogCapabilities {
  /** Entries survive `reopen()` (close and open the same storage). */
  persistent: boolean
  /**
   * Several log objects may work on one storage at once (`openAnother`), as several servers on one
   * database do. A backend whose storage admits one process at a time (LevelDB) leaves it off.
   */
  shared?: boolean
}

export interface ComplianceHandle {
  log: UpdateLog
  /** Closes the current log (if still open) and opens the same storage again. Needed when `persistent`. */
  reopen?: () => Promise<UpdateLog>
  /** Opens another log object on the same storage, beside `log`; `cleanup` closes it too. Needed when `shared`. */
  openAnother?: () => Promise<UpdateLog>
  /** Closes the log and removes whatever storage it used. */
  cleanup: () => Promise<void>
}

export type ComplianceSetup = () => Promise<ComplianceHandle>

async function expectCode(promise: Promise<unknown>, code: Code): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'RotaLogError', code })
}

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0)

/** Appends `count` schedule edits by one editor to `doc`; returns the editor and the updates in order. */
async function writeHistory(log: UpdateLog, doc: string, count: number, clientID = 7, time = T0) {
  const editor = createEditor(clientID)
  const updates: Uint8Array[] = []
  const seqs: number[] = []
  for (let i = 0; i < count; i++) {
    const update = editor.edit((d) => (i === 0 ? addShift(d, 's1', 1) : editShift(d, 's1', i)))!
    updates.push(update)
    seqs.push(await log.append(doc, update, metaFor('ana', [clientID], time + i * 1000)))
  }
  return { editor, updates, seqs }
}

export function runUpdateLogCompliance(name: string, setup: ComplianceSetup, capabilities: LogCapabilities): void {
  describe(`UpdateLog compliance: ${name}`, () => {
    let handle: ComplianceHandle
    let log: UpdateLog

    beforeEach(async () => {
      handle = await setup()
      log = handle.log
    })
    afterEach(async () => {
      await handle.cleanup()
    })

    describe('append', () => {
      it('numbers entries 1, 2, 3 … per document', async () => {
        const a = await writeHistory(log, 'acme/w1', 3)
        const b = await writeHistory(log, 'acme/w2', 2)
        expect(a.seqs).toEqual([1, 2, 3])
        expect(b.seqs).toEqual([1, 2])
      })

      it('keeps call order and density under concurrent appends to many documents', async () => {
        const editors = [1, 2, 3].map((id) => createEditor(id))
        const pending: Array<Promise<number>> = []
        const expected: Array<[string, number, Uint8Array]> = []
        for (let i = 0; i < 30; i++) {
          const doc = `t/${i % 3}`
          const editor = editors[i % 3]!
          const update = editor.edit((d) => (i < 3 ? addShift(d, 's', i) : editShift(d, 's', i)))!
          expected.push([doc, Math.floor(i / 3) + 1, update])
          pending.push(log.append(doc, update, metaFor('ben', [i % 3 + 1], T0 + i)))
        }
        const seqs = await Promise.all(pending)
        expect(seqs).toEqual(expected.map(([, seq]) => seq))
        for (const doc of ['t/0', 't/1', 't/2']) {
          const entries = await collect(log.read(doc))
          expect(entries.map((e) => e.seq)).toEqual([...Array(10).keys()].map((i) => i + 1))
          const mine = expected.filter(([d]) => d === doc).map(([, , u]) => u)
          expect(entries.map((e) => e.update)).toEqual(mine)
        }
      })

      it('stores the update bytes exactly as received and the meta as given', async () => {
        const editor = createEditor(11)
        const u1 = editor.edit((d) => addShift(d, 'x', 3))!
        const u2 = editor.edit((d) => editShift(d, 'x', 5))!
        const merged = Y.mergeUpdates([u1, u2])
        const meta: EntryMeta = {
          actor: 'resolver',
          role: 'system',
          origin: 'resolver',
          clientIds: [11, 4294967295],
          receivedAt: T0,
          clientTime: T0 - 3_600_000,
          details: { conflict: 'c-17', option: 2, nested: { ok: true } },
        }
        await log.append('d', merged, meta)
        const [entry] = await collect(log.read('d'))
        expect(entry).toEqual({ doc: 'd', seq: 1, update: merged, meta })
      })

      it('keeps the meta as given whatever client ids, roles and origins it names', async () => {
        const a = createEditor(5)
        const b = createEditor(300_000_000)
        const ua = a.edit((d) => addShift(d, 'a', 1))!
        const ub = b.edit((d) => addShift(d, 'b', 2))!
        const both = Y.mergeUpdates([ua, ub])
        const metas: Array<[Uint8Array, EntryMeta]> = [
          // What a server passes: the update's own client ids (in the update's order), a known role.
          [both, { actor: 'u-1', role: 'lead', origin: 'ws', clientIds: [...Y.parseUpdateMeta(both).to.keys()], receivedAt: T0 }],
          // The same ids in another order, a subset, none, and ids the update does not hold.
          [both, { actor: 'u-1', role: 'lead', origin: 'ws', clientIds: [...Y.parseUpdateMeta(both).to.keys()].reverse(), receivedAt: T0 }],
          [both, { actor: 'u-2', role: 'viewer', origin: 'rest', clientIds: [5], receivedAt: T0 + 1 }],
          [ua, { actor: 'import-job', role: 'system', origin: 'import', clientIds: [], receivedAt: T0 + 2 }],
          [ub, { actor: 'ü', role: 'auditor', origin: 'restore', clientIds: [9, 9], receivedAt: T0 + 3, clientTime: T0 + 10 }],
        ]
        for (const [update, meta] of metas) await log.append('ids', update, meta)
        const entries = await collect(log.read('ids'))
        expect(entries.map((entry) => entry.meta)).toEqual(metas.map(([, meta]) => meta))
      })

      it('keeps receivedAt non-decreasing per document', async () => {
        const { updates } = await writeHistory(log, 'd', 2, 3, T0)
        const editor = createEditor(4)
        Y.applyUpdate(editor.doc, Y.mergeUpdates(updates))
        await log.append('d', editor.edit((d) => editShift(d, 's1', 9))!, metaFor('x', [4], T0 - 50_000))
        const entries = await collect(log.read('d'))
        expect(entries.map((e) => e.meta.receivedAt)).toEqual([T0, T0 + 1000, T0 + 1000])
      })

      it('rejects bad input with ROTA_LOG_INVALID_ARGUMENT and writes nothing', async () => {
        const update = createEditor(1).edit((d) => addShift(d, 's', 1))!
        const meta = metaFor('ana', [1], T0)
        const bad: Array<[unknown, unknown, unknown]> = [
          ['', update, meta],
          ['a\u0000b', update, meta],
          ['\ud800', update, meta],
          ['x'.repeat(600), update, meta],
          [42, update, meta],
          ['d', new Uint8Array(0), meta],
          ['d', new Uint8Array([255, 255, 255, 1, 2]), meta],
          ['d', 'not bytes', meta],
          ['d', update, { ...meta, origin: 'carrier-pigeon' }],
          ['d', update, { ...meta, actor: '' }],
          ['d', update, { ...meta, clientIds: [-1] }],
          ['d', update, { ...meta, receivedAt: Number.NaN }],
          ['d', update, { ...meta, details: { big: 'x'.repeat(5000) } }],
          ['d', update, null],
        ]
        for (const [doc, u, m] of bad) {
          await expectCode(log.append(doc as string, u as Uint8Array, m as EntryMeta), LogErrorCode.InvalidArgument)
        }
        expect(await log.head('d')).toBeUndefined()
        expect(await collect(log.listDocs())).toEqual([])
      })
    })

    describe('read', () => {
      it('selects by seq, by time, in both directions, with a limit', async () => {
        const { updates } = await writeHistory(log, 'r', 10)
        const seqs = async (range: Parameters<UpdateLog['read']>[1]) => (await collect(log.read('r', range))).map((e) => e.seq)
        expect(await seqs(undefined)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        expect(await seqs({ reverse: true, limit: 3 })).toEqual([10, 9, 8])
        expect(await seqs({ fromSeq: 4, toSeq: 6 })).toEqual([4, 5, 6])
        expect(await seqs({ fromSeq: 4, toSeq: 6, reverse: true })).toEqual([6, 5, 4])
        expect(await seqs({ fromTime: T0 + 2000, toTime: T0 + 4500 })).toEqual([3, 4, 5])
        expect(await seqs({ fromSeq: 4, toTime: T0 + 5000 })).toEqual([4, 5, 6])
        expect(await seqs({ fromSeq: 11 })).toEqual([])
        expect(await seqs({ limit: 0 })).toEqual([])
        expect(await seqs({ fromSeq: 7, toSeq: 3 })).toEqual([])
        const entries = await collect(log.read('r'))
        expect(entries.map((e) => e.update)).toEqual(updates)
        expect(await collect(log.read('unknown'))).toEqual([])
      })

      it('keeps documents apart whose names share a prefix or contain "/"', async () => {
        const names = ['a', 'a/b', 'a/b/c', 'ab', 'a b', 'ä/ü', 'a/']
        for (const [i, doc] of names.entries()) await writeHistory(log, doc, i + 1, i + 1)
        for (const [i, doc] of names.entries()) {
          const entries = await collect(log.read(doc))
          expect(entries.length).toBe(i + 1)
          expect(entries.every((e) => e.doc === doc && e.meta.clientIds[0] === i + 1)).toBe(true)
        }
      })

      it('rejects a bad range', async () => {
        await writeHistory(log, 'r', 1)
        await expectCode(collect(log.read('r', { fromSeq: -1 })), LogErrorCode.InvalidArgument)
        await expectCode(collect(log.read('r', { limit: 1.5 })), LogErrorCode.InvalidArgument)
      })
    })

    describe('head and listDocs', () => {
      it('reports the head of a document, undefined when it has none', async () => {
        expect(await log.head('none')).toBeUndefined()
        await writeHistory(log, 'h', 4)
        expect(await log.head('h')).toEqual({ doc: 'h', headSeq: 4, lastChange: T0 + 3000, historyStartsAt: 1 })
      })

      it('lists documents by prefix, in name order', async () => {
        for (const doc of ['acme/w2', 'acme/w1', 'acme2/w1', 'beta/w1', 'acme']) await writeHistory(log, doc, 1)
        const names = async (prefix?: string) => {
          const out: string[] = []
          for await (const summary of log.listDocs(prefix)) out.push(summary.doc)
          return out
        }
        expect(await names('acme/')).toEqual(['acme/w1', 'acme/w2'])
        expect(await names()).toEqual(['acme', 'acme/w1', 'acme/w2', 'acme2/w1', 'beta/w1'])
        expect(await names('zzz')).toEqual([])
        expect(await collect(log.listDocs('beta/'))).toEqual([{ doc: 'beta/w1', headSeq: 1, lastChange: T0, historyStartsAt: 1 }])
      })
    })

    describe('stateAt', () => {
      it('rebuilds the head and every past version, by seq and by time', async () => {
        const { editor, updates } = await writeHistory(log, 's', 12)
        const head = docFromState(await log.stateAt('s'))
        expect(contentOf(head)).toEqual(contentOf(editor.doc))
        expect(Y.encodeStateVector(head)).toEqual(Y.encodeStateVector(editor.doc))
        for (const k of [0, 1, 5, 12]) {
          const expected = new Y.Doc()
          for (const u of updates.slice(0, k)) Y.applyUpdate(expected, u)
          expect(contentOf(docFromState(await log.stateAt('s', { seq: k })))).toEqual(contentOf(expected))
          if (k > 0) {
            const byTime = docFromState(await log.stateAt('s', { time: T0 + (k - 1) * 1000 + 500 }))
            expect(contentOf(byTime)).toEqual(contentOf(expected))
          }
        }
        expect(contentOf(docFromState(await log.stateAt('s', { time: T0 - 1 })))).toEqual(contentOf(new Y.Doc()))
      })

      it('gives the same state through stateParts (the form a server applies), at the head and in the past', async () => {
        const { editor, updates } = await writeHistory(log, 'parts', 9)
        const load = async (at?: { seq: number }, name = 'parts') => {
          const doc = new Y.Doc()
          applyStateParts(doc, await stateParts(log, name, at))
          return doc
        }
        const head = await load()
        expect(contentOf(head)).toEqual(contentOf(editor.doc))
        expect(Y.encodeStateVector(head)).toEqual(Y.encodeStateVector(editor.doc))
        for (const k of [0, 1, 4, 8]) {
          const expected = new Y.Doc()
          for (const u of updates.slice(0, k)) Y.applyUpdate(expected, u)
          const atK = await load({ seq: k })
          expect(contentOf(atK)).toEqual(contentOf(expected))
          expect(Y.encodeStateVector(atK)).toEqual(Y.encodeStateVector(expected))
        }
        expect(Y.encodeStateVector(await load(undefined, 'nothing'))).toEqual(Y.encodeStateVector(new Y.Doc()))
        await expectCode(stateParts(log, 'parts', { seq: 10 }), LogErrorCode.OutOfRange)
      })

      it('gives an empty state for an unknown document and rejects a seq past the head', async () => {
        expect(await log.stateAt('nothing')).toEqual(EMPTY_STATE)
        await writeHistory(log, 's', 2)
        await expectCode(log.stateAt('s', { seq: 3 }), LogErrorCode.OutOfRange)
        await expectCode(log.stateAt('s', { seq: -2 }), LogErrorCode.InvalidArgument)
        await expectCode(log.stateAt('s', { when: 1 } as never), LogErrorCode.InvalidArgument)
      })

      it('merges updates of several clients', async () => {
        const a = createEditor(1)
        const b = createEditor(2)
        const ua = a.edit((d) => addShift(d, 'a', 1))!
        const ub = b.edit((d) => addShift(d, 'b', 2))!
        Y.applyUpdate(a.doc, ub)
        Y.applyUpdate(b.doc, ua)
        const ua2 = a.edit((d) => editShift(d, 'b', 4))!
        await log.append('m', ua, metaFor('a', [1], T0))
        await log.append('m', ub, metaFor('b', [2], T0))
        await log.append('m', ua2, metaFor('a', [1], T0))
        Y.applyUpdate(b.doc, ua2)
        expect(contentOf(docFromState(await log.stateAt('m')))).toEqual(contentOf(b.doc))
      })
    })

    describe('removeDoc', () => {
      it('removes a document; a new one under the name continues the numbering', async () => {
        await writeHistory(log, 'gone/1', 3)
        await writeHistory(log, 'gone/2', 1)
        await log.removeDoc('gone/1', metaFor('boss', [], T0 + 10_000, 'rest'))
        expect(await log.head('gone/1')).toBeUndefined()
        expect(await collect(log.read('gone/1'))).toEqual([])
        expect(await log.stateAt('gone/1')).toEqual(EMPTY_STATE)
        const listed = []
        for await (const s of log.listDocs('gone/')) listed.push(s.doc)
        expect(listed).toEqual(['gone/2'])
        const { seqs } = await writeHistory(log, 'gone/1', 2, 9, T0 + 20_000)
        expect(seqs).toEqual([4, 5])
        expect(await log.head('gone/1')).toMatchObject({ headSeq: 5, historyStartsAt: 4 })
        expect(contentOf(docFromState(await log.stateAt('gone/1', { seq: 3 })))).toEqual(contentOf(new Y.Doc()))
        await expectCode(log.stateAt('gone/1', { seq: 2 }), LogErrorCode.HistoryGone)
        await expectCode(log.stateAt('gone/1', { time: T0 + 500 }), LogErrorCode.HistoryGone)
        await expectCode(collect(log.read('gone/1', { fromSeq: 1 })), LogErrorCode.HistoryGone)
        expect((await collect(log.read('gone/1'))).map((e) => e.seq)).toEqual([4, 5])
      })

      it('rejects removing a document that does not exist', async () => {
        await expectCode(log.removeDoc('never', metaFor('boss', [], T0)), LogErrorCode.NotFound)
        await writeHistory(log, 'd', 1)
        await expectCode(log.removeDoc('d', { actor: 'boss' } as EntryMeta), LogErrorCode.InvalidArgument)
        expect(await log.head('d')).toMatchObject({ headSeq: 1 })
      })
    })

    describe('verify and truncateAfter', () => {
      it('verifies an intact log as clean', async () => {
        await writeHistory(log, 'v', 5)
        expect(await log.verify('v')).toMatchObject({ doc: 'v', entries: 5, damaged: [] })
        expect(await log.verify('unknown')).toMatchObject({ entries: 0, damaged: [] })
      })

      it('cuts the tail and never reuses the cut numbers', async () => {
        const { editor } = await writeHistory(log, 'c', 6)
        expect(await log.truncateAfter('c', 4)).toBe(2)
        expect(await log.truncateAfter('c', 4)).toBe(0)
        expect(await log.head('c')).toMatchObject({ headSeq: 4 })
        const next = await log.append('c', editor.edit((d) => editShift(d, 's1', 77))!, metaFor('ana', [7], T0 + 99_000))
        expect(next).toBe(7)
        expect((await collect(log.read('c'))).map((e) => e.seq)).toEqual([1, 2, 3, 4, 7])
        expect(await log.verify('c')).toMatchObject({ entries: 5, damaged: [] })
        await expectCode(log.truncateAfter('c', -1), LogErrorCode.InvalidArgument)
      })
    })

    it('refuses work once closed', async () => {
      await writeHistory(log, 'z', 1)
      await log.close()
      await expectCode(log.append('z', createEditor(1).edit((d) => addShift(d, 'q', 1))!, metaFor('a', [1], T0)), LogErrorCode.Closed)
      await expectCode(log.head('z'), LogErrorCode.Closed)
    })

    describe.skipIf(!capabilities.persistent)('persistence', () => {
      it('keeps entries, numbering, removals and cuts across a reopen', async () => {
        const { updates } = await writeHistory(log, 'p/1', 5)
        await writeHistory(log, 'p/2', 2)
        await log.removeDoc('p/2', metaFor('boss', [], T0 + 50_000))
        await log.truncateAfter('p/1', 4)
        log = await handle.reopen!()
        expect((await collect(log.read('p/1'))).map((e) => e.update)).toEqual(updates.slice(0, 4))
        expect(await log.head('p/2')).toBeUndefined()
        // A client that resynced from the log (the cut entry's edit is gone) edits on.
        const editor = createEditor(8)
        Y.applyUpdate(editor.doc, await log.stateAt('p/1'))
        const next = await log.append('p/1', editor.edit((d) => editShift(d, 's1', 5))!, metaFor('ana', [8], T0 + 60_000))
        expect(next).toBe(6)
        expect((await writeHistory(log, 'p/2', 1)).seqs).toEqual([3])
        const listed = []
        for await (const s of log.listDocs('p/')) listed.push(s)
        expect(listed).toEqual([
          { doc: 'p/1', headSeq: 6, lastChange: T0 + 60_000, historyStartsAt: 1 },
          { doc: 'p/2', headSeq: 3, lastChange: T0, historyStartsAt: 3 },
        ])
        expect(contentOf(docFromState(await log.stateAt('p/1')))).toEqual(contentOf(editor.doc))
      })
    })

    describe.skipIf(capabilities.shared !== true)('shared storage (two log objects on one store)', () => {
      sharedStorageTests(async () => [log, await handle.openAnother!()])
    })
  })
}
