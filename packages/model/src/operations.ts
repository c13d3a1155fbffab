/**
 * Typed operations: each is one Yjs transaction with `origin`, validated like `applyOps`
 * (errors carry `path` but no `opIndex`), changing nothing when it throws.
 */
import type * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'
import { MODEL_ORIGIN, type PathOp, commitSteps, planOps } from './ops.ts'
import {
  type Collection,
  type SettingsJSON,
  type ShiftInput,
  type ShiftJSON,
  type StaffInput,
  type StaffJSON,
  Root,
  checkId,
  isPlainObject,
  recordMap,
} from './schema.ts'

const run = (doc: Y.Doc, ops: PathOp[], origin: unknown): void => commitSteps(doc, planOps(doc, ops, false), origin)

const recordPath = (collection: Collection, id: string): string => `${collection}.${checkId(id, `${collection}.${String(id)}`)}`

const add = (doc: Y.Doc, collection: Collection, id: string, value: unknown, origin: unknown): void => {
  const path = recordPath(collection, id)
  if (recordMap(doc, collection, id)) throw new ModelError(ModelErrorCode.DuplicateId, `${path} already exists`, { path })
  run(doc, [{ op: 'set', path, value }], origin)
}

const patchOps = (base: string, patch: unknown): PathOp[] => {
  if (!isPlainObject(patch)) throw new ModelError(ModelErrorCode.WrongType, `${base}: a patch must be an object`, { path: base })
  return Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => ({ op: 'set', path: `${base}.${field}`, value }))
}

const update = (doc: Y.Doc, collection: Collection, id: string, patch: unknown, origin: unknown): void => {
  const path = recordPath(collection, id)
  if (!recordMap(doc, collection, id)) throw new ModelError(ModelErrorCode.NotFound, `${path} does not exist`, { path })
  run(doc, patchOps(path, patch), origin)
}

/** Adds a staff member; ROTA_MODEL_DUPLICATE_ID when `id` exists. Omitted fields: skills [], maxHoursPerWeek 40, unavailable []. */
export const addStaff = (doc: Y.Doc, id: string, staff: StaffInput, origin: unknown = MODEL_ORIGIN): void =>
  add(doc, Root.staff, id, staff, origin)

/** Changes the given fields of a staff member (lists are replaced whole). */
export const updateStaff = (doc: Y.Doc, id: string, patch: Partial<StaffJSON>, origin: unknown = MODEL_ORIGIN): void =>
  update(doc, Root.staff, id, patch, origin)

/** Removes a staff member and unassigns every shift assigned to them, in the same transaction. */
export const removeStaff = (doc: Y.Doc, id: string, origin: unknown = MODEL_ORIGIN): void =>
  run(doc, [{ op: 'delete', path: recordPath(Root.staff, id) }], origin)

/** Adds a shift; ROTA_MODEL_DUPLICATE_ID when `id` exists. Omitted fields: requiredSkill null, assignee null, notes ''. */
export const addShift = (doc: Y.Doc, id: string, shift: ShiftInput, origin: unknown = MODEL_ORIGIN): void =>
  add(doc, Root.shifts, id, shift, origin)

/** Changes the given fields of a shift. */
export const updateShift = (doc: Y.Doc, id: string, patch: Partial<ShiftJSON>, origin: unknown = MODEL_ORIGIN): void =>
  update(doc, Root.shifts, id, patch, origin)

export const removeShift = (doc: Y.Doc, id: string, origin: unknown = MODEL_ORIGIN): void =>
  run(doc, [{ op: 'delete', path: recordPath(Root.shifts, id) }], origin)

/** Sets a shift's assignee; ROTA_MODEL_MISSING_REFERENCE when the staff member does not exist. */
export const assign = (doc: Y.Doc, shiftId: string, staffId: string, origin: unknown = MODEL_ORIGIN): void =>
  run(doc, [{ op: 'set', path: `${recordPath(Root.shifts, shiftId)}.assignee`, value: staffId }], origin)

export const unassign = (doc: Y.Doc, shiftId: string, origin: unknown = MODEL_ORIGIN): void =>
  run(doc, [{ op: 'set', path: `${recordPath(Root.shifts, shiftId)}.assignee`, value: null }], origin)

/** Changes the given settings fields (coverage is replaced whole). */
export const setSettings = (doc: Y.Doc, patch: Partial<SettingsJSON>, origin: unknown = MODEL_ORIGIN): void =>
  run(doc, patchOps(Root.settings, patch), origin)
