import * as Y from 'yjs'
import { readEffect, StateReader, type PathOp } from '@rota/model'
import { judgeChanges, type Change } from './policy.ts'
import { defaultRoleRules, type RoleRules } from './roleRules.ts'
import { checkUpdate, inconsistentPlacement, isNoopUpdate, missingDependency } from './updateGuard.ts'
import { allow, deny, roleAtLeast, type AdminAction, type Decision, type Identity, type Role } from './types.ts'

/**
 * The hostile-input guards every update passes, whoever sends it and whatever the hooks say (the server
 * core runs them before any hook): Yjs can throw halfway or let replicas diverge on malformed structs, and
 * a trusted token can be stolen. Returns the refusal, or undefined.
 */
export const guardUpdate = (doc: Y.Doc, update: Uint8Array): string | undefined => {
  const shape = checkUpdate(update)
  if (!shape.ok) return shape.reason
  return inconsistentPlacement(doc, update)
}

/**
 * For an update that is judged: undefined when it may go on to be judged by its effect, else why not.
 * Updates Yjs could not integrate now are refused: pending structs change things later, unjudged. A client
 * only builds on what the server sent it, so a genuine update never depends on structs the server lacks
 * (after a server-side loss, sync step 2 brings them along); a deletion of structs that do not exist yet
 * would delete them on arrival here but not on their author's replica.
 */
export const unjudgeable = (doc: Y.Doc, update: Uint8Array): string | undefined => {
  const missing = missingDependency(doc, update)
  return missing === undefined ? undefined : `update cannot be applied yet: ${missing}`
}

/**
 * Judges a whole Yjs update against `doc` (the state its author made it on) without changing `doc`: the
 * guards, then the update is applied to a copy and judged by its effect there — what Yjs really
 * integrated, so crafted structs cannot hide a change. The server does the same on the room's document
 * itself (see packages/server/src/admit.ts); this is the stand-alone form for callers and tests.
 */
export const authorizeUpdate = (identity: Identity, doc: Y.Doc, update: Uint8Array, rules: RoleRules = defaultRoleRules): Decision => {
  const refused = guardUpdate(doc, update)
  if (refused !== undefined) return deny(refused)
  if (isNoopUpdate(doc, update)) return allow
  if (identity.role === 'viewer') return deny('viewer is read-only')
  const pending = unjudgeable(doc, update)
  if (pending !== undefined) return deny(pending)
  const copy = new Y.Doc({ gc: false })
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  let decision: Decision = allow
  copy.transact((tr) => {
    Y.applyUpdate(copy, update)
    const effect = readEffect(copy, tr)
    const facts = { get: (path: string) => effect.reader.get(path), written: (path: string) => effect.writes.get(path) ?? [] }
    decision = judgeChanges(identity, facts, effect.changes, rules)
  })
  copy.destroy()
  return decision
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
export const authorizeOps = (identity: Identity, doc: Y.Doc, ops: PathOp[], rules: RoleRules = defaultRoleRules): Decision => {
  if (identity.role === 'admin') return allow
  if (!Array.isArray(ops) || !ops.every(isOp)) return deny('ops must be an array of { op, path, value? }')
  return judgeChanges(identity, new StateReader(doc), ops.map(changeOfOp), rules)
}

/**
 * The least role each admin action needs: restore, delete and verify (reads the log's integrity) are admin-only;
 * settings (name, timezone, coverage rules, a team's resolver settings) and team role rules are manager and up;
 * deciding conflicts is lead and up.
 */
export const adminActionRoles: Readonly<Record<AdminAction, Role>> = Object.freeze({
  restore: 'admin',
  delete: 'admin',
  verify: 'admin',
  settings: 'manager',
  rules: 'manager',
  conflicts: 'lead',
})

/** Whether the identity may perform the admin action (`adminActionRoles`); an unknown action is refused. */
export const canAdmin = (identity: Identity, action: AdminAction): boolean =>
  Object.hasOwn(adminActionRoles, action) && roleAtLeast(identity.role, adminActionRoles[action])
