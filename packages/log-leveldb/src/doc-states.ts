/**
 * The per-document state of a LevelDB log (head, numbering, checkpoint counters), cached least recently used
 * first, and the per-document queue that runs exclusive tasks (load, removal, truncation, retention) in order
 * with the appends.
 */
import { RotaLogError } from '@rota/log'
import { NEW_DOC_RECORD } from './codec.ts'
import type { DocRecord } from './codec.ts'
import { storageError } from './errors.ts'
import { decodeSeq, seqKey } from './keys.ts'
import { lostRange } from './lost.ts'
import { docView, lastEntry, readRecord } from './scan.ts'
import { DEFAULT_MAX_CACHED_DOCS, type DocState, type LevelContext } from './types.ts'

/** How many sequence numbers in [from, to] `truncateAfter` cut. */
export const cutCount = (record: DocRecord, from: number, to: number): number =>
  record.cuts.reduce((count, [cutFrom, cutTo]) => count + Math.max(0, Math.min(cutTo, to) - Math.max(cutFrom, from) + 1), 0)

export type DocStates = ReturnType<typeof createDocStates>

export function createDocStates(ctx: Pick<LevelContext, 'db' | 'dir' | 'policy'> & { maxCachedDocs?: number }) {
  const { db, dir, policy } = ctx
  const maxCachedDocs = ctx.maxCachedDocs ?? DEFAULT_MAX_CACHED_DOCS
  /** Per-document state, least recently used first. */
  const states = new Map<string, DocState>()

  /** Re-reads what the state caches from disk (after open and after every exclusive change). */
  async function refresh(state: DocState): Promise<void> {
    const { record, stored } = await readRecord(db, state.doc)
    state.record = record
    state.recordStored = stored
    const last = record.removed ? undefined : await lastEntry(db, state)
    state.lost = lostRange(record, last?.seq ?? record.baseSeq)
    state.headSeq = state.lost?.[1] ?? last?.seq ?? (record.baseIsCheckpoint && !record.removed ? record.baseSeq : 0)
    // A removed name written again starts a new history: its times owe nothing to the old one.
    state.headTime = last?.time ?? (record.baseIsCheckpoint ? record.baseTime : 0)
    state.lastTime = state.headTime
    state.nextSeq = Math.max(record.nextSeq, (last?.seq ?? record.baseSeq) + 1)
    const [checkpoint] = await db
      .iterator({ gte: seqKey(state.checkpointPrefix, record.baseSeq), lte: seqKey(state.checkpointPrefix, state.headSeq), reverse: true, limit: 1 })
      .all()
    state.lastCheckpointSeq = checkpoint === undefined ? record.baseSeq : decodeSeq(checkpoint[0], state.checkpointPrefix.length)
    // Numbers are dense but for the cut ranges, so the tail's length needs no scan; its bytes only
    // matter while it is shorter than `policy.every` (a long tail is due by count anyway).
    state.sinceEntries = Math.max(0, state.headSeq - state.lastCheckpointSeq - cutCount(record, state.lastCheckpointSeq + 1, state.headSeq))
    state.sinceBytes = 0
    if (state.sinceEntries > 0 && state.sinceEntries < policy.every) {
      const entries = await db
        .iterator({ gt: seqKey(state.entryPrefix, state.lastCheckpointSeq), lte: seqKey(state.entryPrefix, state.headSeq) })
        .all()
      for (const [key, value] of entries) state.sinceBytes += key.length + value.length
    }
  }

  function pump(state: DocState): void {
    while (!state.busy && state.queue.length > 0) {
      const task = state.queue.shift()!
      const result = task()
      if (result instanceof Promise) {
        state.busy = true
        void result.finally(() => {
          state.busy = false
          pump(state)
        })
      }
    }
  }

  /** Runs `task` on the document once earlier appends and tasks are done; appends after it wait. */
  function exclusive<T>(state: DocState, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      state.queue.push(async () => {
        try {
          await settledAppends(state)
          await state.checkpointing
          resolve(await task())
        } catch (error) {
          reject(error instanceof RotaLogError ? error : storageError(dir, error, state.doc))
        }
      })
      pump(state)
    })
  }

  function settledAppends(state: DocState): Promise<void> {
    if (state.inflight === 0) return Promise.resolve()
    return new Promise((resolve) => state.settled.push(resolve))
  }

  function stateOf(doc: string): DocState {
    let state = states.get(doc)
    if (state !== undefined) {
      states.delete(doc)
      states.set(doc, state)
      if (states.size > maxCachedDocs) evictIdle(state)
      return state
    }
    const view = docView(doc, { ...NEW_DOC_RECORD, cuts: [] })
    const created: DocState = {
      ...view,
      busy: false,
      queue: [],
      loaded: Promise.resolve(),
      recordStored: false,
      nextSeq: 1,
      headSeq: 0,
      lost: undefined,
      headTime: 0,
      lastTime: 0,
      inflight: 0,
      settled: [],
      lastCheckpointSeq: 0,
      sinceEntries: 0,
      sinceBytes: 0,
      checkpointing: undefined,
    }
    created.loaded = exclusive(created, () => refresh(created))
    state = created
    states.set(doc, state)
    if (states.size > maxCachedDocs) evictIdle(state)
    // A failed load is retried by the next call instead of poisoning the document.
    created.loaded.catch(() => {
      if (states.get(doc) === created) states.delete(doc)
    })
    return state
  }

  /** Nothing runs or waits on the document: its state can be dropped and re-read from disk later. */
  const isIdle = (state: DocState): boolean =>
    !state.busy && state.queue.length === 0 && state.inflight === 0 && state.checkpointing === undefined

  /** Drops the least recently used idle states (never `keep`) until at most `maxCachedDocs` remain. */
  function evictIdle(keep: DocState): void {
    for (const [doc, state] of states) {
      if (states.size <= maxCachedDocs) return
      if (state !== keep && isIdle(state)) states.delete(doc)
    }
  }

  async function loadedState(doc: string): Promise<DocState> {
    const state = stateOf(doc)
    await state.loaded
    return state
  }

  return { states, refresh, pump, exclusive, settledAppends, stateOf, loadedState }
}
