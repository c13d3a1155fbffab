import type * as Y from 'yjs'
import { applyOps } from '@rota/model'
import { readSchedule, valueAt } from './schedule.ts'
import type { PathOp } from './types.ts'

/** The ops that undo `ops` on the document as it is now (computed before applying them). */
export const inverseOps = (doc: Y.Doc, ops: PathOp[]): PathOp[] => {
  const state = readSchedule(doc)
  const inverse: PathOp[] = []
  for (const op of ops) {
    const before = valueAt(state, op.path)
    const entity = op.path.split('.').slice(0, 2).join('.')
    if (before !== undefined) inverse.push({ op: 'set', path: op.path, value: before })
    else if (valueAt(state, entity) === undefined && !op.path.startsWith('settings')) inverse.push({ op: 'delete', path: entity })
  }
  return inverse.reverse()
}

/**
 * Undoes `undo` (an earlier inverse) and applies `ops`, inside the caller's transaction.
 * Returns the inverse of what it applied, so the new state can be undone in turn.
 */
export const applyWithInverse = (doc: Y.Doc, undo: PathOp[], ops: PathOp[]): PathOp[] => {
  if (undo.length > 0) applyOps(doc, undo)
  const inverse = inverseOps(doc, ops)
  if (ops.length > 0) applyOps(doc, ops)
  return inverse
}
