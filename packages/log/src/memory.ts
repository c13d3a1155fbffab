/**
 * The in-memory backend: the reference implementation of `UpdateLog`, for tests and tools.
 * Nothing survives the process. Appends are durable as soon as they are stored (there is no disk).
 * Several log objects may share one store (`createMemoryStore`), as several servers share one
 * database: each object has its own open/closed state and caches nothing, so each sees the
 * others' entries at once. That is the reference for the compliance suite's `shared` block.
 */
import { LogErrorCode, RotaLogError } from './errors.ts'
import { EMPTY_STATE, mergeState, storedMeta } from './state.ts'
import type { DocSummary, LogEntry, LogObserver, ReadRange, UpdateLog, VersionRef, VerifyReport } from './types.ts'
import {
  validateDocName,
  validateMeta,
  validatePrefix,
  validateRange,
  validateSeq,
  validateUpdate,
  validateVersionRef,
} from './validate.ts'

export interface MemoryLogOptions {
  observer?: LogObserver
  /** The storage to use; several logs on one store see each other's entries. Default: a new one. */
  store?: MemoryStore
}

export interface MemoryDoc {
  /** Ordered by seq: dense, except where `truncateAfter` cut entries (their numbers are not reused). */
  entries: LogEntry[]
  /** The state at `baseSeq` is empty; older history is gone (the name was removed). */
  baseSeq: number
  nextSeq: number
  removed: boolean
}

/** What memory logs store; opaque to callers, who only pass it to `createMemoryLog`. */
export interface MemoryStore {
  readonly docs: Map<string, MemoryDoc>
}

export function createMemoryStore(): MemoryStore {
  return { docs: new Map() }
}

const copyEntry = (entry: LogEntry): LogEntry => ({
  doc: entry.doc,
  seq: entry.seq,
  update: entry.update.slice(),
  meta: storedMeta(entry.meta, 0),
})

export function createMemoryLog(options: MemoryLogOptions = {}): UpdateLog {
  const { docs } = options.store ?? createMemoryStore()
  let closed = false

  const ensureOpen = (): void => {
    if (closed) throw new RotaLogError(LogErrorCode.Closed, 'the log is closed')
  }
  const live = (doc: string): MemoryDoc | undefined => {
    const state = docs.get(doc)
    return state === undefined || state.removed ? undefined : state
  }
  const headSeqOf = (state: MemoryDoc): number => state.entries.at(-1)?.seq ?? state.baseSeq
  const summary = (doc: string, state: MemoryDoc): DocSummary | undefined => {
    const last = state.entries.at(-1)
    if (last === undefined) return undefined
    return { doc, headSeq: last.seq, lastChange: last.meta.receivedAt, historyStartsAt: state.baseSeq + 1 }
  }
  /** The first index whose entry fails `before`. */
  const lowerBound = (entries: LogEntry[], before: (entry: LogEntry) => boolean): number => {
    let low = 0
    let high = entries.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (before(entries[mid]!)) low = mid + 1
      else high = mid
    }
    return low
  }
  /** The index range [from, to) of `state.entries` selected by `range`. */
  const selectIndexes = (state: MemoryDoc, range: ReadRange): [number, number] => {
    const { entries } = state
    let from = 0
    let to = entries.length
    if (range.fromSeq !== undefined) from = Math.max(from, lowerBound(entries, (e) => e.seq < range.fromSeq!))
    if (range.toSeq !== undefined) to = Math.min(to, lowerBound(entries, (e) => e.seq <= range.toSeq!))
    if (range.fromTime !== undefined) from = Math.max(from, lowerBound(entries, (e) => e.meta.receivedAt < range.fromTime!))
    if (range.toTime !== undefined) to = Math.min(to, lowerBound(entries, (e) => e.meta.receivedAt <= range.toTime!))
    return [from, Math.max(from, to)]
  }
  const checkHistory = (doc: string, state: MemoryDoc, seq: number): void => {
    if (seq < state.baseSeq) {
      throw new RotaLogError(LogErrorCode.HistoryGone, `history of ${doc} before seq ${state.baseSeq + 1} is gone`, { doc, seq })
    }
  }

  return {
    async append(doc, update, meta) {
      validateDocName(doc)
      validateUpdate(update, doc)
      validateMeta(meta, doc)
      ensureOpen()
      let state = docs.get(doc)
      if (state === undefined) {
        state = { entries: [], baseSeq: 0, nextSeq: 1, removed: false }
        docs.set(doc, state)
      } else if (state.removed) {
        // A removed name starts afresh but keeps counting: sequence numbers are never reused.
        state.baseSeq = state.nextSeq - 1
        state.entries = []
        state.removed = false
      }
      const seq = state.nextSeq++
      const previousTime = state.entries.at(-1)?.meta.receivedAt ?? 0
      const started = performance.now()
      state.entries.push({ doc, seq, update: update.slice(), meta: storedMeta(meta, previousTime) })
      options.observer?.onBatch?.({ entries: 1, docs: 1, bytes: update.length, ms: performance.now() - started })
      return seq
    },

    async *read(doc, range = {}) {
      validateDocName(doc)
      validateRange(range)
      ensureOpen()
      const state = live(doc)
      if (state === undefined) return
      if (range.fromSeq !== undefined && range.fromSeq > 0) checkHistory(doc, state, range.fromSeq - 1)
      const [from, to] = selectIndexes(state, range)
      const selected = state.entries.slice(from, to)
      if (range.reverse === true) selected.reverse()
      const limit = range.limit ?? Infinity
      let count = 0
      for (const entry of selected) {
        if (count++ >= limit) return
        yield copyEntry(entry)
      }
    },

    async head(doc) {
      validateDocName(doc)
      ensureOpen()
      const state = live(doc)
      return state === undefined ? undefined : summary(doc, state)
    },

    async stateAt(doc, at?: VersionRef) {
      validateDocName(doc)
      validateVersionRef(at)
      ensureOpen()
      const state = live(doc)
      const head = state === undefined ? 0 : headSeqOf(state)
      let seq = head
      if (at !== undefined && 'seq' in at) {
        if (at.seq > head) {
          throw new RotaLogError(LogErrorCode.OutOfRange, `${doc} has no seq ${at.seq} (head ${head})`, { doc, seq: at.seq })
        }
        seq = at.seq
      }
      if (state === undefined) return EMPTY_STATE.slice()
      let count: number
      if (at !== undefined && 'time' in at) {
        ;[, count] = selectIndexes(state, { toTime: at.time })
        // Before the first entry held: the base state, unless older history existed and is gone.
        if (count === 0 && state.baseSeq > 0) checkHistory(doc, state, -1)
      } else {
        checkHistory(doc, state, seq)
        ;[, count] = selectIndexes(state, { toSeq: seq })
      }
      return mergeState(state.entries.slice(0, count).map((entry) => entry.update))
    },

    async *listDocs(prefix) {
      validatePrefix(prefix)
      ensureOpen()
      const names = [...docs.keys()].filter((doc) => prefix === undefined || doc.startsWith(prefix))
      names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      for (const doc of names) {
        const state = live(doc)
        const found = state === undefined ? undefined : summary(doc, state)
        if (found !== undefined) yield found
      }
    },

    async removeDoc(doc, meta) {
      validateDocName(doc)
      validateMeta(meta, doc)
      ensureOpen()
      const state = live(doc)
      if (state === undefined || state.entries.length === 0) {
        throw new RotaLogError(LogErrorCode.NotFound, `no document ${doc}`, { doc })
      }
      state.removed = true
      state.entries = []
    },

    async verify(doc) {
      validateDocName(doc)
      ensureOpen()
      const state = live(doc)
      const report: VerifyReport = { doc, entries: state?.entries.length ?? 0, damaged: [] }
      return report
    },

    async truncateAfter(doc, seq) {
      validateDocName(doc)
      validateSeq(seq)
      ensureOpen()
      const state = live(doc)
      if (state === undefined) return 0
      checkHistory(doc, state, seq)
      const [, keep] = selectIndexes(state, { toSeq: seq })
      const cut = state.entries.length - keep
      state.entries.length = keep
      return cut
    },

    async close() {
      closed = true
    },
  }
}
