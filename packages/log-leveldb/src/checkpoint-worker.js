// Builds checkpoints off the event loop: the state before (a checkpoint, or nothing) and the
// entries after it go into a garbage-collected Y.Doc, whose state comes back encoded as Yjs v2.
// Plain JavaScript so that a worker thread can load it without a TypeScript loader.
import { parentPort } from 'node:worker_threads'
import * as Y from 'yjs'

parentPort.on('message', ({ id, base, baseV2, updates }) => {
  try {
    const doc = new Y.Doc()
    doc.transact(() => {
      if (base !== undefined) (baseV2 ? Y.applyUpdateV2 : Y.applyUpdate)(doc, base)
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    const state = Y.encodeStateAsUpdateV2(doc)
    doc.destroy()
    parentPort.postMessage({ id, state }, [state.buffer])
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.stack ?? error) })
  }
})
