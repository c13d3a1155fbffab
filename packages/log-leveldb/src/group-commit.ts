/**
 * Group commit: every write queued while the previous one is on its way to disk goes into the
 * next single LevelDB batch, whichever document it belongs to. One fsync (in `sync` mode) then
 * makes a whole group durable, so throughput grows with the number of concurrent writers while no
 * document waits behind another's queue: there is one queue, and it only ever holds one batch.
 */
import type { ClassicLevel } from 'classic-level'

export type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array }

export interface Write {
  ops: BatchOp[]
  /** The document the write belongs to, for batch statistics and the heads file. */
  doc: string
  /** The seq of the entry it stores. */
  seq: number
  bytes: number
  /** Called once the batch holding the write is on disk (error undefined) or failed. */
  done: (error: unknown) => void
}

export interface BatchStats {
  entries: number
  docs: number
  bytes: number
  ms: number
}

export interface GroupCommitOptions {
  sync: boolean
  /** A batch stops growing at this many bytes; the rest goes into the next one. */
  maxBatchBytes: number
  /** Runs once a batch is durable, before its writes are settled; throwing fails the batch. */
  afterBatch?: (writes: readonly Write[]) => void
  onBatch: (stats: BatchStats) => void
}

export interface GroupCommit {
  push(write: Write): void
  /** Resolves once every write pushed so far is settled. */
  drain(): Promise<void>
}

export function createGroupCommit(db: ClassicLevel<Uint8Array, Uint8Array>, options: GroupCommitOptions): GroupCommit {
  let queue: Write[] = []
  let writing = false
  let drained: Array<() => void> = []
  // After a failed batch nothing more is written: later entries would leave a gap behind the lost ones.
  let broken: unknown

  const settleDrained = (): void => {
    const waiting = drained
    drained = []
    for (const resolve of waiting) resolve()
  }

  const takeBatch = (): Write[] => {
    let bytes = 0
    let count = 0
    while (count < queue.length && (count === 0 || bytes + queue[count]!.bytes <= options.maxBatchBytes)) {
      bytes += queue[count]!.bytes
      count++
    }
    const batch = queue.slice(0, count)
    queue = queue.slice(count)
    return batch
  }

  const flush = async (): Promise<void> => {
    writing = true
    while (queue.length > 0) {
      const batch = takeBatch()
      const ops = batch.flatMap((write) => write.ops)
      const started = performance.now()
      let failure: unknown = broken
      if (failure === undefined) {
        try {
          await db.batch(ops, { sync: options.sync })
          options.afterBatch?.(batch)
        } catch (error) {
          failure = error ?? new Error('batch failed')
          broken = failure
        }
      }
      if (failure === undefined) {
        const docs = new Set(batch.map((write) => write.doc)).size
        const bytes = batch.reduce((sum, write) => sum + write.bytes, 0)
        options.onBatch({ entries: batch.length, docs, bytes, ms: performance.now() - started })
      }
      for (const write of batch) write.done(failure)
    }
    writing = false
    settleDrained()
  }

  return {
    push(write) {
      queue.push(write)
      // Start on the next microtask so that writes issued in the same tick share the first batch.
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
