/**
 * The compliance suite's `shared` block: two log objects on one storage, appending to the same
 * documents at once, as two servers on one database do. What a single log object cannot show:
 * sequence numbers stay dense, unique and never reused across both objects; each sees the other's
 * entries as soon as the other's append resolved; no object answers from a stale cache (head,
 * numbering, removal or truncation done by the other). Run by `runUpdateLogCompliance` for
 * backends that declare `shared`.
 */
import fc from 'fast-check'
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { addShift, collect, contentOf, createEditor, docFromState, editShift, metaFor } from './testing.ts'
import type { Editor } from './testing.ts'
import type { UpdateLog } from './types.ts'

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0)

/** One editor per (log, document), so that every update is valid on whatever the other log wrote. */
function editorsFor(run: number): (logIndex: number, doc: number) => Editor {
  const editors = new Map<string, Editor>()
  return (logIndex, doc) => {
    const key = `${logIndex}/${doc}`
    let editor = editors.get(key)
    if (editor === undefined) editors.set(key, (editor = createEditor(1 + run * 16 + logIndex * 8 + doc)))
    return editor
  }
}

function nextEdit(editor: Editor, n: number): Uint8Array {
  return editor.edit((d) => (d.getMap('shifts').has('s') ? editShift(d, 's', n) : addShift(d, 's', n)))!
}

/** An append to document `doc` by log `log`, or a pause until everything issued so far resolved. */
type Step = { kind: 'append'; log: 0 | 1; doc: number } | { kind: 'settle' }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ kind: fc.constant('append' as const), log: fc.constantFrom(0 as const, 1 as const), doc: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'settle' as const }) },
)

/** `openPair` gives the test's log and another one on the same storage (closed by the suite's cleanup). */
export function sharedStorageTests(openPair: () => Promise<[UpdateLog, UpdateLog]>): void {
  it('numbers concurrent appends from both logs densely and uniquely, each log in its own call order', async () => {
    const logs = await openPair()
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (steps) => {
        run++
        const editorOf = editorsFor(run)
        const docName = (doc: number) => `shared/${run}/${doc}`
        const issued: Array<{ log: number; doc: string; update: Uint8Array; seq: Promise<number> }> = []
        let pending: Array<Promise<number>> = []
        for (const [n, step] of steps.entries()) {
          if (step.kind === 'settle') {
            await Promise.all(pending)
            pending = []
            continue
          }
          const update = nextEdit(editorOf(step.log, step.doc), n)
          const seq = logs[step.log]!.append(docName(step.doc), update, metaFor(`writer-${step.log}`, [editorOf(step.log, step.doc).doc.clientID], T0 + n))
          pending.push(seq)
          issued.push({ log: step.log, doc: docName(step.doc), update, seq })
        }
        const seqs = await Promise.all(issued.map((entry) => entry.seq))
        for (const doc of new Set(issued.map((entry) => entry.doc))) {
          const mine = issued.map((entry, i) => ({ ...entry, seq: seqs[i]! })).filter((entry) => entry.doc === doc)
          // Dense and unique across both logs.
          expect(mine.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(mine.map((_, i) => i + 1))
          // Each log's appends to a document keep its call order.
          for (const logIndex of [0, 1]) {
            const own = mine.filter((entry) => entry.log === logIndex).map((entry) => entry.seq)
            expect(own).toEqual([...own].sort((a, b) => a - b))
          }
          // Both logs read the same entries, each holding the bytes acknowledged for its seq.
          const bySeq = new Map(mine.map((entry) => [entry.seq, entry.update]))
          for (const log of logs) {
            const entries = await collect(log.read(doc))
            expect(entries.map((entry) => entry.seq)).toEqual(mine.map((_, i) => i + 1))
            for (const entry of entries) expect(entry.update).toEqual(bySeq.get(entry.seq))
            expect(await log.head(doc)).toMatchObject({ headSeq: mine.length })
          }
        }
      }),
      { numRuns: 12 },
    )
  })

  it('lets each log see the other’s entries as soon as its append resolved: read, head, stateAt, listDocs', async () => {
    const [a, b] = await openPair()
    const editor = createEditor(41)
    // Reads first, so that a backend that caches what it read would answer from a stale cache below.
    expect(await b.head('seen')).toBeUndefined()
    expect(await collect(b.read('seen'))).toEqual([])
    for (let i = 0; i < 6; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a]
      const seq = await writer.append('seen', nextEdit(editor, i), metaFor('ana', [41], T0 + i * 1000))
      expect(seq).toBe(i + 1)
      expect(await reader.head('seen')).toEqual({ doc: 'seen', headSeq: i + 1, lastChange: T0 + i * 1000, historyStartsAt: 1 })
      expect((await collect(reader.read('seen'))).map((entry) => entry.seq)).toEqual([...Array(i + 1).keys()].map((k) => k + 1))
      expect(contentOf(docFromState(await reader.stateAt('seen')))).toEqual(contentOf(editor.doc))
      expect(Y.encodeStateVector(docFromState(await reader.stateAt('seen')))).toEqual(Y.encodeStateVector(editor.doc))
    }
    expect((await collect(b.listDocs())).map((summary) => summary.doc)).toEqual(['seen'])
    expect(await collect(a.listDocs())).toEqual(await collect(b.listDocs()))
  })

  it('keeps receivedAt non-decreasing across both logs', async () => {
    const [a, b] = await openPair()
    const editor = createEditor(43)
    await a.append('times', nextEdit(editor, 0), metaFor('ana', [43], T0 + 5000))
    await b.append('times', nextEdit(editor, 1), metaFor('ben', [43], T0))
    expect((await collect(a.read('times'))).map((entry) => entry.meta.receivedAt)).toEqual([T0 + 5000, T0 + 5000])
  })

  it('respects the other log’s truncateAfter and removeDoc: no number is reused, no stale head', async () => {
    const [a, b] = await openPair()
    const editor = createEditor(42)
    for (let i = 0; i < 4; i++) await a.append('cut', nextEdit(editor, i), metaFor('ana', [42], T0 + i))
    expect(await b.head('cut')).toMatchObject({ headSeq: 4 })
    expect(await b.truncateAfter('cut', 2)).toBe(2)
    expect(await a.head('cut')).toMatchObject({ headSeq: 2 })
    const fresh = createEditor(44)
    Y.applyUpdate(fresh.doc, await a.stateAt('cut'))
    expect(await a.append('cut', nextEdit(fresh, 9), metaFor('ana', [44], T0 + 10))).toBe(5)
    expect((await collect(b.read('cut'))).map((entry) => entry.seq)).toEqual([1, 2, 5])

    await b.removeDoc('cut', metaFor('boss', [], T0 + 20))
    expect(await a.head('cut')).toBeUndefined()
    expect(await collect(a.read('cut'))).toEqual([])
    const again = createEditor(45)
    expect(await a.append('cut', nextEdit(again, 0), metaFor('ana', [45], T0 + 30))).toBe(6)
    expect(await b.head('cut')).toEqual({ doc: 'cut', headSeq: 6, lastChange: T0 + 30, historyStartsAt: 6 })
    expect(contentOf(docFromState(await b.stateAt('cut')))).toEqual(contentOf(again.doc))
  })

  it('keeps working when the other log closes', async () => {
    const [a, b] = await openPair()
    const editor = createEditor(46)
    await a.append('close', nextEdit(editor, 0), metaFor('ana', [46], T0))
    await b.close()
    expect(await a.append('close', nextEdit(editor, 1), metaFor('ana', [46], T0 + 1))).toBe(2)
    expect(await a.head('close')).toMatchObject({ headSeq: 2 })
  })
}
