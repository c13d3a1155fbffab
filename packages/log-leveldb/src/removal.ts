/**
 * A LevelDB log's two destructive operations, each run as an exclusive task of its document (doc-states.ts):
 * removing a document (its record hides every entry at once, then the space is reclaimed) and cutting the
 * entries after a seq (the cut range is remembered, so its numbers are never handed out again).
 */
import { LogErrorCode, RotaLogError, storedMeta, type EntryMeta } from '@rota/log'
import { encodeDocRecord, encodeRemoval } from './codec.ts'
import type { DocRecord } from './codec.ts'
import { Tag, docPrefix, documentKey, prefixBounds, seqKey } from './keys.ts'
import type { Db } from './scan.ts'
import type { DocState } from './types.ts'

interface Helpers {
  /** Whether the document has a history now (read inside the task, after the appends before it). */
  exists(): boolean
  /** Re-reads the state's cache from disk. */
  refresh(state: DocState): Promise<void>
}

export async function removeDocument(db: Db, state: DocState, meta: EntryMeta, { exists, refresh }: Helpers): Promise<void> {
  const { doc } = state
  if (!exists()) throw new RotaLogError(LogErrorCode.NotFound, `no document ${doc}`, { doc })
  const baseSeq = state.nextSeq - 1
  const record: DocRecord = { baseSeq, baseTime: state.headTime, baseIsCheckpoint: false, nextSeq: state.nextSeq, removed: true, cuts: [] }
  const recordKey = documentKey(doc)
  const removalKey = seqKey(docPrefix(Tag.Removal, doc), baseSeq)
  await db.batch(
    [
      { type: 'put', key: recordKey, value: encodeDocRecord(recordKey, record) },
      { type: 'put', key: removalKey, value: encodeRemoval(removalKey, storedMeta(meta, 0)) },
    ],
    { sync: true },
  )
  // The record already hides them; now reclaim the space.
  await db.clear(prefixBounds(state.entryPrefix))
  await db.clear(prefixBounds(state.checkpointPrefix))
  await refresh(state)
}

/** Deletes the entries (and checkpoints) after `seq`; returns how many entries went. */
export async function truncateDocument(
  db: Db,
  state: DocState,
  seq: number,
  { exists, refresh, historyGone }: Helpers & { historyGone(state: DocState, seq: number): RotaLogError },
): Promise<number> {
  if (!exists() && !state.record.baseIsCheckpoint) return 0
  if (seq < state.record.baseSeq) throw historyGone(state, seq)
  const entryKeys = await db.keys({ gt: seqKey(state.entryPrefix, seq), lt: prefixBounds(state.entryPrefix).lt }).all()
  if (entryKeys.length === 0 && (state.lost === undefined || state.lost[1] <= seq)) return 0
  const checkpointKeys = await db.keys({ gt: seqKey(state.checkpointPrefix, seq), lt: prefixBounds(state.checkpointPrefix).lt }).all()
  const record: DocRecord = { ...state.record, nextSeq: state.nextSeq, cuts: [...state.record.cuts, [seq + 1, state.nextSeq - 1]] }
  const recordKey = documentKey(state.doc)
  await db.batch(
    [
      ...[...entryKeys, ...checkpointKeys].map((key) => ({ type: 'del' as const, key })),
      { type: 'put' as const, key: recordKey, value: encodeDocRecord(recordKey, record) },
    ],
    { sync: true },
  )
  await refresh(state)
  return entryKeys.length
}
