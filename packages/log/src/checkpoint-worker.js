// Builds checkpoints off the event loop: the state before (a checkpoint, or nothing) and the
// entries after it go into a garbage-collected Y.Doc, whose state comes back encoded as Yjs v2.
// Plain JavaScript so that a worker thread can load it without a TypeScript loader.
//
// The last document built is kept for a while: the next checkpoint of the same document starts
// from the checkpoint just made, so it only has to apply the entries since (sequence numbers are
// never reused, so a document name and a seq name one state for good). That turns the cost of a
// checkpoint of a large, busy document from "apply the whole state" into "apply the tail, encode".
import { parentPort } from 'node:worker_threads'
import * as Y from 'yjs'

/** Documents with more structs than this are not kept (memory: a few hundred bytes per struct). */
const MAX_KEPT_STRUCTS = 250_000
/** A kept document is dropped after this long without a build. */
const KEEP_MS = 30_000

/** @type {{ key: string, doc: Y.Doc, timer: NodeJS.Timeout } | undefined} */
let kept

const drop = () => {
  if (kept === undefined) return
  clearTimeout(kept.timer)
  kept.doc.destroy()
  kept = undefined
}

const structCount = (doc) => {
  let count = 0
  for (const structs of doc.store.clients.values()) count += structs.length
  return count
}

parentPort.on('message', ({ id, baseKey, key, base, baseV2, updates }) => {
  try {
    let doc
    if (kept !== undefined && kept.key === baseKey) {
      doc = kept.doc
      clearTimeout(kept.timer)
      kept = undefined
    } else {
      drop()
      doc = new Y.Doc()
      if (base !== undefined) (baseV2 ? Y.applyUpdateV2 : Y.applyUpdate)(doc, base)
    }
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    const state = Y.encodeStateAsUpdateV2(doc)
    if (structCount(doc) <= MAX_KEPT_STRUCTS) {
      const timer = setTimeout(drop, KEEP_MS)
      timer.unref()
      kept = { key, doc, timer }
    } else {
      doc.destroy()
    }
    parentPort.postMessage({ id, state }, [state.buffer])
  } catch (error) {
    drop()
    parentPort.postMessage({ id, error: String(error?.stack ?? error) })
  }
})
