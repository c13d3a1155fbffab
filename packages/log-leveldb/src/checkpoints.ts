/**
 * Checkpoints and retention of a LevelDB log, on @rota/log's shared policy: a checkpoint is due after so many
 * entries or bytes, built off the event loop and stored as Yjs v2; retention folds what is older than its horizon
 * into the document's base.
 */
import { createCheckpointBuilder, retentionBase, staleCheckpoints, dueForCheckpoint, type MaintenanceQueue } from '@rota/log'
import { DecodeError, decodeCheckpoint, encodeCheckpoint, encodeDocRecord } from './codec.ts'
import type { DocRecord } from './codec.ts'
import { decodeSeq, documentKey, prefixBounds, seqKey } from './keys.ts'
import { piecesAtSeq } from './scan.ts'
import type { DocState, LevelContext } from './types.ts'

export type Checkpoints = ReturnType<typeof createCheckpoints>

export function createCheckpoints(ctx: LevelContext, maintenance: MaintenanceQueue) {
  const { db, options, observer, policy, now, status } = ctx
  const builder = createCheckpointBuilder()

  function maybeCheckpoint(state: DocState): void {
    if (status.closed || state.checkpointing !== undefined || state.busy || state.lost !== undefined) return
    if (!dueForCheckpoint({ ...state, baseSeq: state.record.baseSeq }, policy)) return
    state.checkpointing = maintenance
      .schedule(state.doc, async () => {
        if (status.closed || state.busy) return
        await writeCheckpoint(state)
        if (options.retention !== undefined) await retain(state)
      })
      .finally(() => {
        state.checkpointing = undefined
      })
  }

  /**
   * Stores the state at the head, built through a garbage-collected Y.Doc in a worker thread and
   * encoded as Yjs v2: deleted content is dropped (a plain Y.mergeUpdates keeps it) and v2 is about
   * 1/20 of v1 for a long history, while applying it costs the same. No stall of the event loop.
   */
  async function writeCheckpoint(state: DocState): Promise<number> {
    const seq = state.headSeq
    if (seq <= state.lastCheckpointSeq || seq === 0) return 0
    const started = performance.now()
    const { sinceEntries, sinceBytes, headTime } = state
    const { base, updates } = await piecesAtSeq(db, state, seq, observer)
    const key = seqKey(state.checkpointPrefix, seq)
    const basePart = base === undefined ? undefined : { update: base.state, encoding: base.encoding }
    const built = await builder.build({ doc: state.doc, baseSeq: base?.seq, seq }, basePart, updates)
    const value = encodeCheckpoint(key, { time: headTime, state: built })
    const stale = await staleCheckpointKeys(state, seq)
    // Derived data: no fsync needed.
    await db.batch([{ type: 'put', key, value }, ...stale.map((old) => ({ type: 'del' as const, key: old }))])
    state.lastCheckpointSeq = seq
    state.sinceEntries -= sinceEntries
    state.sinceBytes -= sinceBytes
    observer?.onCheckpoint?.({ doc: state.doc, seq, bytes: value.length, ms: performance.now() - started })
    return seq
  }

  /** The keys of older checkpoints that the shared thinning drops (the base checkpoint is never touched). */
  async function staleCheckpointKeys(state: DocState, head: number): Promise<Uint8Array[]> {
    const { checkpointPrefix, record } = state
    const keys = await db.keys({ gt: seqKey(checkpointPrefix, record.baseSeq), lt: seqKey(checkpointPrefix, head) }).all()
    const stale = new Set(staleCheckpoints(keys.map((key) => decodeSeq(key, checkpointPrefix.length)), head))
    return keys.filter((key) => stale.has(decodeSeq(key, checkpointPrefix.length)))
  }

  /** The document's intact checkpoints after the base, newest first: seq and time. */
  async function* checkpointTimes(state: DocState): AsyncGenerator<{ seq: number; time: number }> {
    const { checkpointPrefix, record } = state
    const range = { gt: seqKey(checkpointPrefix, record.baseSeq), lte: seqKey(checkpointPrefix, state.headSeq), reverse: true }
    for await (const [key, value] of db.iterator(range)) {
      try {
        yield { seq: decodeSeq(key, checkpointPrefix.length), time: decodeCheckpoint(key, value).time }
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error
      }
    }
  }

  /** Folds everything up to the newest checkpoint older than the horizon into the base. */
  async function retain(state: DocState): Promise<number> {
    const policy = options.retention
    if (policy === undefined) return state.record.baseSeq
    const { record, checkpointPrefix, entryPrefix, doc } = state
    const base = await retentionBase(checkpointTimes(state), policy, now())
    if (base === undefined) return record.baseSeq
    const folded: DocRecord = {
      ...record,
      baseSeq: base.seq,
      baseTime: base.time,
      baseIsCheckpoint: true,
      cuts: record.cuts.filter(([, to]) => to > base.seq),
    }
    const recordKey = documentKey(doc)
    // The record moves the base first (fsynced, which also persists the checkpoint written before
    // it); the old keys are then garbage that reads no longer reach.
    await db.put(recordKey, encodeDocRecord(recordKey, folded), { sync: true })
    state.record = folded
    await db.clear({ gte: prefixBounds(entryPrefix).gte, lte: seqKey(entryPrefix, base.seq) })
    await db.clear({ gte: prefixBounds(checkpointPrefix).gte, lt: seqKey(checkpointPrefix, base.seq) })
    return base.seq
  }

  return { maybeCheckpoint, writeCheckpoint, retain, close: () => builder.close() }
}
