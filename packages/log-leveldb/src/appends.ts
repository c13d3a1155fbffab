/**
 * Appending to a LevelDB log: the entry (and the document's record, the first time) is numbered, encoded and
 * handed to the group commit; the append resolves once its batch is durable.
 */
import { LogErrorCode, RotaLogError, storedMeta, type EntryMeta } from '@rota/log'
import { encodeDocRecord, encodeEntry } from './codec.ts'
import { storageError } from './errors.ts'
import type { BatchOp, GroupCommit } from './group-commit.ts'
import { documentKey, seqKey } from './keys.ts'
import type { DocState, LevelContext } from './types.ts'

export function createAppender(ctx: LevelContext, writer: GroupCommit, maybeCheckpoint: (state: DocState) => void) {
  const { dir, status } = ctx
  return function enqueueAppend(
  state: DocState,
  update: Uint8Array,
  updateIds: number[],
  meta: EntryMeta,
  resolve: (seq: number) => void,
  reject: (error: unknown) => void,
): void {
  if (status.failed !== undefined) return reject(status.failed)
  if (status.closed) return reject(new RotaLogError(LogErrorCode.Closed, `the log in ${dir} is closed`, { dir }))
  const seq = state.nextSeq++
  const stored = storedMeta(meta, state.lastTime)
  state.lastTime = stored.receivedAt
  const key = seqKey(state.entryPrefix, seq)
  const value = encodeEntry(key, stored, update, updateIds)
  const ops: BatchOp[] = [{ type: 'put', key, value }]
  if (!state.recordStored || state.record.removed) {
    state.record = { ...state.record, removed: false }
    state.recordStored = true
    const recordKey = documentKey(state.doc)
    ops.push({ type: 'put', key: recordKey, value: encodeDocRecord(recordKey, state.record) })
  }
  const bytes = key.length + value.length
  state.inflight++
  writer.push({
    ops,
    doc: state.doc,
    seq,
    bytes,
    done: (error) => {
      state.inflight--
      if (error === undefined) {
        state.headSeq = seq
        state.headTime = stored.receivedAt
        state.sinceEntries++
        state.sinceBytes += bytes
        resolve(seq)
        maybeCheckpoint(state)
      } else {
        status.failed ??= storageError(dir, error, state.doc)
        reject(status.failed)
      }
      if (state.inflight === 0) for (const settle of state.settled.splice(0)) settle()
    },
  })
}
}
