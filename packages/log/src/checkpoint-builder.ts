/**
 * Runs checkpoint building (a Y.Doc of the document, encoded) in a worker thread, so that a large
 * document's checkpoint does not stall appends and broadcasts on the event loop. Shared by every
 * backend that stores checkpoints: what it builds depends on the entries only, not on the storage.
 */
import { Worker } from 'node:worker_threads'
import type { StatePart } from './types.ts'

/** Which state a build starts from and which it makes: a document and sequence numbers. */
export interface BuildTarget {
  doc: string
  /** The seq of the checkpoint `base` is (undefined: no checkpoint, the build starts empty). */
  baseSeq: number | undefined
  seq: number
}

export interface CheckpointBuilder {
  /** The state (Yjs v2) of `base` (a checkpoint, or nothing) with the v1 `updates` after it applied. */
  build(target: BuildTarget, base: StatePart | undefined, updates: Uint8Array[]): Promise<Uint8Array>
  close(): Promise<void>
}

/**
 * Names a document's state at a seq for the worker's kept document. Sequence numbers are never
 * reused (not after truncation, not after removal), so a name and a seq of a stored checkpoint
 * always mean the same state.
 */
const stateKey = (doc: string, seq: number): string => `${seq}\u0000${doc}`

export function createCheckpointBuilder(): CheckpointBuilder {
  let worker: Worker | undefined
  let nextId = 0
  const pending = new Map<number, { resolve: (state: Uint8Array) => void; reject: (error: Error) => void }>()

  const failAll = (error: Error): void => {
    for (const { reject } of pending.values()) reject(error)
    pending.clear()
    worker = undefined
  }

  const start = (): Worker => {
    const created = new Worker(new URL('./checkpoint-worker.js', import.meta.url))
    created.unref()
    created.on('message', (message: { id: number; state?: Uint8Array; error?: string }) => {
      const waiting = pending.get(message.id)
      if (waiting === undefined) return
      pending.delete(message.id)
      if (message.state !== undefined) waiting.resolve(message.state)
      else waiting.reject(new Error(`checkpoint worker: ${message.error}`))
    })
    created.on('error', failAll)
    created.on('exit', (code) => failAll(new Error(`checkpoint worker exited with code ${code}`)))
    return created
  }

  return {
    build(target, base, updates) {
      worker ??= start()
      const id = nextId++
      const running = worker
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        running.postMessage({
          id,
          baseKey: base === undefined || target.baseSeq === undefined ? undefined : stateKey(target.doc, target.baseSeq),
          key: stateKey(target.doc, target.seq),
          base: base?.update,
          baseV2: base?.encoding === 'v2',
          updates,
        })
      })
    },
    async close() {
      const running = worker
      worker = undefined
      if (running !== undefined) {
        running.removeAllListeners('exit')
        await running.terminate()
      }
      failAll(new Error('checkpoint builder closed'))
    },
  }
}
