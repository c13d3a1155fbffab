/**
 * Runs checkpoint building (a Y.Doc of the document, encoded) in a worker thread, so that a large
 * document's checkpoint does not stall appends and broadcasts on the event loop.
 */
import { Worker } from 'node:worker_threads'
import type { Checkpoint } from './codec.ts'

export interface CheckpointBuilder {
  /** The state (Yjs v2) of `base` (a checkpoint, or nothing) with the v1 `updates` after it applied. */
  build(base: Pick<Checkpoint, 'state' | 'encoding'> | undefined, updates: Uint8Array[]): Promise<Uint8Array>
  close(): Promise<void>
}

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
    build(base, updates) {
      worker ??= start()
      const id = nextId++
      const running = worker
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        running.postMessage({ id, base: base?.state, baseV2: base?.encoding === 'v2', updates })
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
