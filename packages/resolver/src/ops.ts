import type * as Y from 'yjs'
import { applyOps, toJSON } from '@rota/model'
import { valueAt } from './schedule.ts'
import type { PathOp } from './types.ts'

/** The ops that undo `ops` on the document as it is now (computed before applying them). */
const inverseOps = (doc: Y.Doc, ops: PathOp[]): PathOp[] => {
  const state = toJSON(doc)
  const inverse: PathOp[] = []
  for (const op of ops) {
    const before = valueAt(state, op.path)
    const entity = op.path.split('.').slice(0, 2).join('.')
    if (before !== undefined) inverse.push({ op: 'set', path: op.path, value: before })
    else if (valueAt(state, entity) === undefined && !op.path.startsWith('settings')) inverse.push({ op: 'delete', path: entity })
  }
  return inverse.reverse()
}

const isRecordSet = (op: PathOp): boolean => op.op === 'set' && op.path.split('.').length === 2 && !op.path.startsWith('settings')

/**
 * Undoes `undo` (an earlier inverse) and applies `ops` as one batch, inside the caller's transaction:
 * records the new option restores come first (an undone assignment may name them), then the undo of
 * every path the new option does not set itself, then the new option's field changes.
 * Returns the inverse of the batch.
 */
export const applyWithInverse = (doc: Y.Doc, undo: PathOp[], ops: PathOp[]): PathOp[] => {
  const batch = [
    ...ops.filter(isRecordSet),
    ...undo.filter((u) => !ops.some((o) => o.path === u.path)),
    ...ops.filter((o) => !isRecordSet(o)),
  ]
  const inverse = inverseOps(doc, batch)
  if (batch.length > 0) applyOps(doc, batch)
  return inverse
}
