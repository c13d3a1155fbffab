/** The JSON projection of a schedule (`toJSON`) and its validated import (`fromJSON`). */
import * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'
import { MODEL_ORIGIN, type PathOp, commitSteps, planOps } from './ops.ts'
import {
  type Collection,
  type ScheduleJSON,
  Root,
  checkId,
  fieldsOf,
  isId,
  isPlainObject,
  readRecord,
  readSettings,
  rootMap,
} from './schema.ts'

const readCollection = <T>(doc: Y.Doc, collection: Collection): Record<string, T> => {
  const fields = fieldsOf(collection)
  const entries: Array<[string, T]> = []
  for (const [id, value] of rootMap(doc, collection)) {
    if (value instanceof Y.Map && isAddressableId(id)) entries.push([id, readRecord<T>(fields, value)])
  }
  // Sorted, so equal documents give byte-equal JSON whatever order their replicas integrated in.
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Object.fromEntries(entries)
}

// A record whose id no path could name is left out (isId is checkId's rule, without an exception).
const isAddressableId = isId

/**
 * The schedule as plain JSON. Lenient about foreign writers: records that are not Y.Maps (or whose id no
 * path could name) are left out, fields with a wrong type read as their default, invalid list items are dropped.
 */
export const toJSON = (doc: Y.Doc): ScheduleJSON => ({
  staff: readCollection(doc, Root.staff),
  shifts: readCollection(doc, Root.shifts),
  settings: readSettings(doc),
})

const TOP_LEVEL = [Root.staff, Root.shifts, Root.settings] as string[]

const recordsOf = (json: Record<string, unknown>, collection: Collection): Record<string, unknown> => {
  const value = json[collection] ?? {}
  if (!isPlainObject(value)) throw new ModelError(ModelErrorCode.WrongType, `${collection}: expected an object of records`, { path: collection })
  for (const id of Object.keys(value)) checkId(id, `${collection}.${id}`)
  return value
}

/**
 * Makes `doc` (a new Y.Doc when omitted) hold exactly `json`, in one transaction with `origin`:
 * records absent from `json` are removed, the others created or updated in place.
 * Validated first with the same rules and errors as `applyOps`; on error `doc` is unchanged.
 * `staff`, `shifts` and `settings` may be omitted (empty / defaults), as may optional record fields.
 */
export const fromJSON = (json: unknown, doc: Y.Doc = new Y.Doc(), origin: unknown = MODEL_ORIGIN): Y.Doc => {
  if (!isPlainObject(json)) throw new ModelError(ModelErrorCode.InvalidJSON, 'a schedule must be a JSON object { staff, shifts, settings }')
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL.includes(key)) throw new ModelError(ModelErrorCode.UnknownPath, `${key}: unknown top-level key (expected ${TOP_LEVEL.join(', ')})`, { path: key })
  }
  const staff = recordsOf(json, Root.staff)
  const shifts = recordsOf(json, Root.shifts)
  const ops: PathOp[] = []
  for (const collection of [Root.shifts, Root.staff] as const) {
    const keep = collection === Root.staff ? staff : shifts
    for (const [id, value] of rootMap(doc, collection)) {
      if (value instanceof Y.Map && !Object.hasOwn(keep, id) && isAddressableId(id)) ops.push({ op: 'delete', path: `${collection}.${id}` })
    }
  }
  ops.push({ op: 'set', path: Root.settings, value: json.settings ?? {} })
  for (const [id, value] of Object.entries(staff)) ops.push({ op: 'set', path: `${Root.staff}.${id}`, value })
  for (const [id, value] of Object.entries(shifts)) ops.push({ op: 'set', path: `${Root.shifts}.${id}`, value })
  commitSteps(doc, planOps(doc, ops, false), origin)
  return doc
}
