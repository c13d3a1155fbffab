import * as Y from 'yjs'
import { toJSON } from '@rota/model'

/**
 * The update that makes `current` equal to the state `target` (an older version of it) as a
 * new forward change: history stays, and the restore itself can be undone the same way.
 *
 * How: a scratch document at `target` receives everything `current` has beyond it in one
 * tracked transaction; undoing that transaction with an UndoManager produces exactly the
 * inverse (re-inserting what was deleted since, deleting what was added since) as new structs.
 * Returns null when `current` holds nothing beyond `target`. (A document whose content went
 * back and forth to equal `target` still gets an update: compare content first if that matters.)
 */
export const revertUpdate = (current: Y.Doc, target: Uint8Array): Uint8Array | null => {
  const scratch = new Y.Doc()
  try {
    Y.applyUpdate(scratch, target)
    const forward = Symbol('since-target')
    // The whole document is the scope: the server does not know the root types' kinds.
    const undo = new Y.UndoManager(scratch, { trackedOrigins: new Set([forward]), captureTimeout: 0 })
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(current, Y.encodeStateVector(scratch)), forward)
    const updates: Uint8Array[] = []
    scratch.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === undo) updates.push(update)
    })
    undo.undo()
    undo.destroy()
    return updates.length === 0 ? null : Y.mergeUpdates(updates)
  } finally {
    scratch.destroy()
  }
}

/**
 * What a restore to `target` appends to a document now at `current`: null when the schedule already reads
 * as it did then (a content check first, since `revertUpdate` answers for structs), else the reverting update.
 * The REST route and `rota restore` both ask this.
 */
export const restoreUpdate = (current: Y.Doc, target: Uint8Array): Uint8Array | null => {
  const then = new Y.Doc()
  try {
    Y.applyUpdate(then, target)
    if (JSON.stringify(toJSON(then)) === JSON.stringify(toJSON(current))) return null
  } finally {
    then.destroy()
  }
  return revertUpdate(current, target)
}
