/** Reading a LevelDB log: summaries, versions resolved to seqs, ranges of entries, and verification. */
import * as Y from 'yjs'
import { LogErrorCode, RotaLogError } from '@rota/log'
import type { DocSummary, LogEntry, ReadRange, VersionRef, VerifyReport } from '@rota/log'
import { DecodeError, decodeCheckpoint, decodeEntry } from './codec.ts'
import type { DocRecord } from './codec.ts'
import { decodeSeq, prefixBounds, seqKey } from './keys.ts'
import { lostError, lostRange, lostWithin } from './lost.ts'
import { docView, isCut, lastEntry, scanEntries, seqByTime } from './scan.ts'
import type { Db } from './scan.ts'
import type { DocState } from './types.ts'

export type Reads = ReturnType<typeof createReads>

export function createReads(db: Db, loadedState: (doc: string) => Promise<DocState>) {
  const summaryOf = (state: DocState): DocSummary | undefined =>
    state.record.removed || state.headSeq === 0
      ? undefined
      : { doc: state.doc, headSeq: state.headSeq, lastChange: state.headTime, historyStartsAt: state.record.baseSeq + 1 }

  const historyGone = (state: DocState, seq: number): RotaLogError =>
    new RotaLogError(LogErrorCode.HistoryGone, `history of ${state.doc} before seq ${state.record.baseSeq + 1} is gone`, {
      doc: state.doc,
      seq,
    })

  async function resolveSeq(state: DocState, at: VersionRef | undefined): Promise<number> {
    const head = summaryOf(state) === undefined ? 0 : state.headSeq
    if (at === undefined) return head
    if ('seq' in at) {
      if (at.seq > head) {
        throw new RotaLogError(LogErrorCode.OutOfRange, `${state.doc} has no seq ${at.seq} (head ${head})`, { doc: state.doc, seq: at.seq })
      }
      if (head > 0 && at.seq < state.record.baseSeq) throw historyGone(state, at.seq)
      return at.seq
    }
    if (head === 0) return 0
    const { record } = state
    const found = await seqByTime(db, state, record.baseSeq + 1, head, at.time, true)
    if (found !== undefined) return found
    if (record.baseSeq > 0 && !(record.baseIsCheckpoint && at.time >= record.baseTime)) throw historyGone(state, record.baseSeq)
    return record.baseSeq
  }

  async function* readEntries(doc: string, range: ReadRange): AsyncGenerator<LogEntry> {
    const state = await loadedState(doc)
    if (summaryOf(state) === undefined) return
    const { record } = state
    if (range.fromSeq !== undefined && range.fromSeq > 0 && range.fromSeq <= record.baseSeq) throw historyGone(state, range.fromSeq)
    let from = Math.max(range.fromSeq ?? 0, record.baseSeq + 1)
    let to = Math.min(range.toSeq ?? Infinity, state.headSeq)
    if (range.fromTime !== undefined && from <= to) from = (await seqByTime(db, state, from, to, range.fromTime, false)) ?? to + 1
    if (range.toTime !== undefined && from <= to) to = (await seqByTime(db, state, from, to, range.toTime, true)) ?? from - 1
    const limit = range.limit ?? Infinity
    if (limit === 0) return
    const reverse = range.reverse === true
    // Lost seqs in the range (see lost.ts): the entries before them are read, then the read fails.
    const gap = lostWithin(state.lost, from, to)
    let count = 0
    for await (const entry of scanEntries(db, state, from, to, reverse)) {
      if (gap !== undefined && (reverse ? entry.seq < gap[0] : entry.seq > gap[1])) throw lostError(doc, gap)
      yield { doc, seq: entry.seq, update: entry.update, meta: entry.meta! }
      if (++count >= limit) return
    }
    if (gap !== undefined) throw lostError(doc, gap)
  }

  /** A document's summary without caching its state (listDocs over many documents). */
  async function summaryFromDisk(doc: string, record: DocRecord): Promise<DocSummary | undefined> {
    if (record.removed) return undefined
    const last = await lastEntry(db, docView(doc, record))
    const headSeq = lostRange(record, last?.seq ?? record.baseSeq)?.[1] ?? last?.seq ?? (record.baseIsCheckpoint ? record.baseSeq : 0)
    if (headSeq === 0) return undefined
    return { doc, headSeq, lastChange: last?.time ?? record.baseTime, historyStartsAt: record.baseSeq + 1 }
  }

  async function verifyDoc(state: DocState): Promise<VerifyReport> {
    const report: VerifyReport = { doc: state.doc, entries: 0, damaged: [], damagedCheckpoints: [] }
    if (state.record.removed) return report
    const { record, entryPrefix, checkpointPrefix } = state
    let expected = record.baseSeq + 1
    const skipCuts = (seq: number): number => {
      let next = seq
      while (isCut(record, next)) next++
      return next
    }
    expected = skipCuts(expected)
    for await (const [key, value] of db.iterator({ gt: seqKey(entryPrefix, record.baseSeq), lt: prefixBounds(entryPrefix).lt })) {
      const seq = decodeSeq(key, entryPrefix.length)
      for (; expected < seq; expected = skipCuts(expected + 1)) report.damaged.push({ seq: expected, reason: 'missing' })
      report.entries++
      try {
        Y.parseUpdateMeta(decodeEntry(key, value).update)
      } catch (error) {
        report.damaged.push({ seq, reason: error instanceof DecodeError ? error.message : `undecodable update: ${(error as Error).message}` })
      }
      expected = skipCuts(seq + 1)
    }
    const { lost } = state
    if (lost !== undefined) {
      for (expected = Math.max(expected, lost[0]); expected <= lost[1]; expected = skipCuts(expected + 1)) report.damaged.push({ seq: expected, reason: 'missing' })
    }
    for await (const [key, value] of db.iterator(prefixBounds(checkpointPrefix))) {
      try {
        decodeCheckpoint(key, value)
      } catch {
        report.damagedCheckpoints!.push(decodeSeq(key, checkpointPrefix.length))
      }
    }
    return report
  }

  return { summaryOf, historyGone, resolveSeq, readEntries, summaryFromDisk, verifyDoc }
}
