/**
 * The schedule as the views see it: a JSON snapshot recomputed after each change, and
 * `apply(ops)` for edits (validated, all or nothing, by @rota/model). Local edits go through
 * one UndoManager so Ctrl+Z undoes only your own changes, never a collaborator's.
 */
import * as Y from 'yjs'
import { applyOps, toJSON, type PathOp, type ScheduleJSON } from '@rota/model'

const LOCAL_ORIGIN = 'rota-web'

export interface Store {
  schedule(): ScheduleJSON
  apply(ops: PathOp[]): void
  undo(): void
  redo(): void
  onChange(listener: () => void): () => void
  destroy(): void
}

export const createStore = (doc: Y.Doc): Store => {
  let snapshot: ScheduleJSON | null = null
  const listeners = new Set<() => void>()
  const undo = new Y.UndoManager([doc.getMap('staff'), doc.getMap('shifts'), doc.getMap('settings')], {
    trackedOrigins: new Set([LOCAL_ORIGIN]),
    captureTimeout: 300,
  })
  const onUpdate = (): void => {
    snapshot = null
    for (const listener of listeners) listener()
  }
  doc.on('update', onUpdate)
  return {
    schedule: () => (snapshot ??= toJSON(doc)),
    apply: (ops) => {
      if (ops.length > 0) applyOps(doc, ops, LOCAL_ORIGIN)
    },
    undo: () => undo.undo(),
    redo: () => undo.redo(),
    onChange: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    destroy: () => {
      doc.off('update', onUpdate)
      undo.destroy()
    },
  }
}

/** A short random id for new records, e.g. 'sh-k3f9x2'. */
export const newId = (prefix: string): string => `${prefix}-${crypto.randomUUID().replaceAll('-', '').slice(0, 8)}`
