import type * as Y from 'yjs'
import { describeUpdate, type PathOp } from '@rota/model'
import { judgeChanges, type Change } from './policy.ts'
import { checkUpdate, inconsistentPlacement, isNoopUpdate, missingDependency } from './updateGuard.ts'
import { allow, deny, roleAtLeast, type AdminAction, type Decision, type Identity } from './types.ts'

/**
 * Judges a whole Yjs update before it is applied to the room's `doc`. Every update, whoever sends it,
 * must pass the hostile-input guards (`checkUpdate`, `inconsistentPlacement`): Yjs can throw halfway or
 * let replicas diverge on malformed structs, and a trusted token can be stolen. An update that changes
 * nothing (a read-only client's sync step 2) passes; viewers may do nothing else. Updates Yjs could not
 * integrate now are refused for everyone (pending structs change things later, unjudged). Managers and
 * admins may then change anything; the rest are judged by what `describeUpdate` says they change.
 */
export const authorizeUpdate = (identity: Identity, doc: Y.Doc, update: Uint8Array): Decision => {
  const shape = checkUpdate(update)
  if (!shape.ok) return deny(shape.reason)
  const misplaced = inconsistentPlacement(doc, update)
  if (misplaced !== undefined) return deny(misplaced)
  if (isNoopUpdate(doc, update)) return allow
  if (identity.role === 'viewer') return deny('viewer is read-only')
  // A client only builds on what the server sent it, so a genuine update never depends on structs the
  // server lacks (after a server-side loss, sync step 2 brings them along). A deletion of structs that do
  // not exist yet would delete them on arrival here but not on their author's replica.
  const missing = missingDependency(doc, update)
  if (missing !== undefined) return deny(`update cannot be applied yet: ${missing}`)
  if (roleAtLeast(identity.role, 'manager')) return allow
  let changes: Change[]
  try {
    changes = describeUpdate(doc, update)
  } catch (err) {
    return deny(`update cannot be inspected: ${(err as Error).message}`)
  }
  return judgeChanges(identity, doc, changes)
}

const changeOfOp = (op: PathOp): Change => {
  switch (op.op) {
    case 'set':
      return { path: op.path, kind: 'set', value: op.value }
    case 'delete':
      return { path: op.path, kind: 'delete' }
    case 'append':
      return { path: op.path, kind: 'insert', value: op.value }
  }
}

const isOp = (op: unknown): op is PathOp =>
  typeof op === 'object' &&
  op !== null &&
  typeof (op as PathOp).path === 'string' &&
  ['set', 'delete', 'append'].includes((op as PathOp).op)

/**
 * The same rules for REST path ops (`set`, `delete`, `append`), judged against `doc` before the batch.
 * Whether the ops are valid is the model's question (`applyOps` answers it with a 400); this only asks
 * whether the identity may make them.
 */
export const authorizeOps = (identity: Identity, doc: Y.Doc, ops: PathOp[]): Decision => {
  if (roleAtLeast(identity.role, 'manager')) return allow
  if (!Array.isArray(ops) || !ops.every(isOp)) return deny('ops must be an array of { op, path, value? }')
  return judgeChanges(identity, doc, ops.map(changeOfOp))
}

/** restore and delete are admin-only; settings (name, timezone, coverage rules) are manager and up. */
export const canAdmin = (identity: Identity, action: AdminAction): boolean =>
  roleAtLeast(identity.role, action === 'settings' ? 'manager' : 'admin')
