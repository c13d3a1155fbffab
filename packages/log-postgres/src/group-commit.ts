/**
 * Group commit on PostgreSQL: every append issued while a batch is on its way goes into the next
 * one, whichever document it belongs to, and a batch is one call of `rota_append`: one statement,
 * one round trip, one transaction, one WAL flush. An append resolves only when that statement has
 * returned, i.e. after its COMMIT. One batch is in flight per log object, so seqs follow call order
 * within the object; other objects' batches interleave by the documents' row locks.
 *
 * Unlike LevelDB's, a failed batch does not break the queue: the transaction rolled back and took
 * its seqs with it (they are assigned in the database), so later batches leave no gap. The failed
 * batch's appends are rejected, never acknowledged, also when the outcome is in doubt (a connection
 * lost before COMMIT returned): the caller resends, and a duplicate Yjs update is harmless.
 */
import type { EntryMeta } from '@rota/log'

export interface PendingAppend {
  doc: string
  update: Uint8Array
  meta: EntryMeta
  resolve: (result: AppendResult) => void
  reject: (error: unknown) => void
}

/** What the database returned for one append (numbers after the batch committed). */
export interface AppendResult {
  seq: number
  receivedAt: number
  sinceEntries: number
  sinceBytes: number
  checkpointSeq: number
  baseSeq: number
}

export interface GroupCommitOptions {
  /** Stores a batch in one transaction; resolves with one result per append, in order. */
  write(batch: readonly PendingAppend[]): Promise<AppendResult[]>
  /** A batch stops growing at this many bytes of updates … */
  maxBatchBytes: number
  /** … or this many entries. */
  maxBatchEntries: number
  onBatch?(stats: { entries: number; docs: number; bytes: number; ms: number }): void
}

export interface GroupCommit {
  push(append: PendingAppend): void
  /** Resolves once every append pushed so far is settled. */
  drain(): Promise<void>
}

export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  let queue: PendingAppend[] = []
  let writing = false
  const drained: Array<() => void> = []

  const takeBatch = (): PendingAppend[] => {
    let bytes = 0
    let count = 0
    while (count < queue.length && count < options.maxBatchEntries && (count === 0 || bytes + queue[count]!.update.length <= options.maxBatchBytes)) {
      bytes += queue[count]!.update.length
      count++
    }
    const batch = queue.slice(0, count)
    queue = queue.slice(count)
    return batch
  }

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = takeBatch()
      const started = performance.now()
      try {
        const results = await options.write(batch)
        const bytes = batch.reduce((sum, append) => sum + append.update.length, 0)
        options.onBatch?.({ entries: batch.length, docs: new Set(batch.map((a) => a.doc)).size, bytes, ms: performance.now() - started })
        for (const [i, append] of batch.entries()) append.resolve(results[i]!)
      } catch (error) {
        for (const append of batch) append.reject(error)
      }
    }
    writing = false
    for (const resolve of drained.splice(0)) resolve()
  }

  return {
    push(append) {
      queue.push(append)
      // Start on the next microtask so that appends issued in the same tick share the first batch.
      if (!writing) {
        writing = true
        queueMicrotask(() => void flush())
      }
    },
    drain() {
      if (!writing && queue.length === 0) return Promise.resolve()
      return new Promise((resolve) => drained.push(resolve))
    },
  }
}
