/**
 * Partial updates by path. A batch is planned against a draft view of the document (so later ops see
 * the effects of earlier ones), every op validated, and only then written in one Yjs transaction.
 * Nothing is written when any op fails.
 */
import * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'
import { type PathTarget, formatPath, parsePath } from './paths.ts'
import {
  type Collection,
  type SettingsJSON,
  Root,
  SETTINGS_FIELDS,
  checkCoverageRule,
  checkField,
  checkRecord,
  checkScalar,
  fieldsOf,
  isPlainObject,
  readField,
  readRecord,
  readSettings,
  recordMap,
  rootMap,
  writeField,
  writeRecord,
} from './schema.ts'

export interface PathOp {
  op: 'set' | 'delete' | 'append'
  path: string
  value?: unknown
}

/** The transaction origin used when the caller gives none. */
export const MODEL_ORIGIN = 'rota:model'

type RecordValue = Record<string, unknown>

/** A normalised, already validated change; writing it cannot fail. */
type Step =
  | { kind: 'putRecord'; collection: Collection; id: string; record: RecordValue }
  | { kind: 'removeRecord'; collection: Collection; id: string }
  | { kind: 'setField'; collection: Collection; id: string; field: string; value: unknown }
  | { kind: 'appendItem'; collection: Collection; id: string; field: string; value: unknown }
  | { kind: 'removeItems'; collection: Collection; id: string; field: string; value: unknown }
  | { kind: 'putSettings'; settings: SettingsJSON }
  | { kind: 'setSetting'; field: string; value: unknown }

/** The document as the batch has changed it so far: reads fall through to the Y.Doc, writes stay here. */
class Draft {
  private readonly records: Record<Collection, Map<string, RecordValue | null>> = { staff: new Map(), shifts: new Map() }
  private settings: SettingsJSON | undefined

  constructor(private readonly doc: Y.Doc) {}

  get(collection: Collection, id: string): RecordValue | undefined {
    const overlay = this.records[collection]
    if (overlay.has(id)) return overlay.get(id) ?? undefined
    const map = recordMap(this.doc, collection, id)
    return map ? readRecord<RecordValue>(fieldsOf(collection), map) : undefined
  }

  put(collection: Collection, id: string, record: RecordValue | null): void {
    this.records[collection].set(id, record)
  }

  getSettings(): SettingsJSON {
    return (this.settings ??= readSettings(this.doc))
  }

  putSettings(settings: SettingsJSON): void {
    this.settings = settings
  }

  shiftsAssignedTo(staffId: string): string[] {
    const overlay = this.records.shifts
    const ids = [...overlay].filter(([, shift]) => shift?.assignee === staffId).map(([id]) => id)
    for (const [id, value] of rootMap(this.doc, Root.shifts)) {
      if (!overlay.has(id) && value instanceof Y.Map && value.get('assignee') === staffId) ids.push(id)
    }
    return ids
  }
}

const OP_KINDS = ['set', 'delete', 'append'] as const
const OP_KEYS = ['op', 'path', 'value']

const checkOpShape = (op: unknown): PathOp => {
  if (!isPlainObject(op)) throw new ModelError(ModelErrorCode.InvalidOp, 'an op must be an object { op, path, value? }')
  for (const key of Object.keys(op)) {
    if (!OP_KEYS.includes(key)) throw new ModelError(ModelErrorCode.InvalidOp, `unknown op property '${key}'`)
  }
  if (!(OP_KINDS as readonly unknown[]).includes(op.op)) throw new ModelError(ModelErrorCode.InvalidOp, `op must be one of ${OP_KINDS.join(', ')}`)
  if (op.op !== 'delete' && op.value === undefined) throw new ModelError(ModelErrorCode.InvalidOp, `'${String(op.op)}' needs a value`)
  return op as unknown as PathOp
}

const notFound = (path: string): ModelError => new ModelError(ModelErrorCode.NotFound, `${path} does not exist`, { path })

const checkReference = (draft: Draft, staffId: unknown, path: string): void => {
  if (staffId !== null && !draft.get(Root.staff, staffId as string)) {
    throw new ModelError(ModelErrorCode.MissingReference, `${path}: no staff member '${String(staffId)}'`, { path, details: { staffId } })
  }
}

/** Plans one op against the draft, updates the draft, and returns the steps that write it. */
const planOp = (draft: Draft, op: PathOp): Step[] => {
  const target = parsePath(op.path)
  const path = formatPath(target)
  switch (op.op) {
    case 'set':
      return planSet(draft, target, op.value, path)
    case 'delete':
      return planDelete(draft, target, op.value, path)
    case 'append':
      return planAppend(draft, target, op.value, path)
  }
}

const planSet = (draft: Draft, target: PathTarget, value: unknown, path: string): Step[] => {
  switch (target.kind) {
    case 'settings': {
      const settings = checkRecord<SettingsJSON>(SETTINGS_FIELDS, value, path)
      draft.putSettings(settings)
      return [{ kind: 'putSettings', settings }]
    }
    case 'setting': {
      const checked = checkField(SETTINGS_FIELDS[target.field as keyof SettingsJSON], value, path)
      draft.putSettings({ ...draft.getSettings(), [target.field]: checked })
      return [{ kind: 'setSetting', field: target.field, value: checked }]
    }
    case 'record': {
      const record = checkRecord<RecordValue>(fieldsOf(target.collection), value, path)
      if (target.collection === Root.shifts) checkReference(draft, record.assignee, `${path}.assignee`)
      draft.put(target.collection, target.id, record)
      return [{ kind: 'putRecord', collection: target.collection, id: target.id, record }]
    }
    case 'field': {
      const record = draft.get(target.collection, target.id)
      if (!record) throw notFound(`${target.collection}.${target.id}`)
      const spec = fieldsOf(target.collection)[target.field]!
      const checked = checkField(spec, value, path)
      if (spec.staffRef) checkReference(draft, checked, path)
      draft.put(target.collection, target.id, { ...record, [target.field]: checked })
      return [{ kind: 'setField', collection: target.collection, id: target.id, field: target.field, value: checked }]
    }
  }
}

const planDelete = (draft: Draft, target: PathTarget, value: unknown, path: string): Step[] => {
  switch (target.kind) {
    case 'settings':
    case 'setting':
      throw new ModelError(ModelErrorCode.NotDeletable, `${path} cannot be deleted; set it instead`, { path })
    case 'record': {
      if (!draft.get(target.collection, target.id)) throw notFound(path)
      const steps: Step[] = []
      if (target.collection === Root.staff) {
        // Removing a person unassigns their shifts, so no assignee is left pointing at nobody.
        for (const shiftId of draft.shiftsAssignedTo(target.id)) {
          draft.put(Root.shifts, shiftId, { ...draft.get(Root.shifts, shiftId)!, assignee: null })
          steps.push({ kind: 'setField', collection: Root.shifts, id: shiftId, field: 'assignee', value: null })
        }
      }
      draft.put(target.collection, target.id, null)
      steps.push({ kind: 'removeRecord', collection: target.collection, id: target.id })
      return steps
    }
    case 'field': {
      const record = draft.get(target.collection, target.id)
      if (!record) throw notFound(`${target.collection}.${target.id}`)
      const spec = fieldsOf(target.collection)[target.field]!
      const where = { collection: target.collection, id: target.id, field: target.field }
      if (spec.list) {
        const current = record[target.field] as unknown[]
        if (value === undefined) {
          draft.put(target.collection, target.id, { ...record, [target.field]: [] })
          return [{ kind: 'setField', ...where, value: [] }]
        }
        const item = checkScalar(spec.kind, value, path)
        draft.put(target.collection, target.id, { ...record, [target.field]: current.filter((x) => x !== item) })
        return [{ kind: 'removeItems', ...where, value: item }]
      }
      if (!spec.nullable) throw new ModelError(ModelErrorCode.NotDeletable, `${path} cannot be deleted (only nullable fields, list items and records can)`, { path })
      if (value !== undefined) throw new ModelError(ModelErrorCode.InvalidOp, `delete on ${path} takes no value`, { path })
      draft.put(target.collection, target.id, { ...record, [target.field]: null })
      return [{ kind: 'setField', ...where, value: null }]
    }
  }
}

const planAppend = (draft: Draft, target: PathTarget, value: unknown, path: string): Step[] => {
  if (target.kind === 'setting' && target.field === 'coverage') {
    // coverage is one plain JSON value: appending rewrites it whole.
    const coverage = [...draft.getSettings().coverage, checkCoverageRule(value, `${path}.${draft.getSettings().coverage.length}`)]
    draft.putSettings({ ...draft.getSettings(), coverage })
    return [{ kind: 'setSetting', field: 'coverage', value: coverage }]
  }
  if (target.kind !== 'field' || !fieldsOf(target.collection)[target.field]!.list) {
    throw new ModelError(ModelErrorCode.NotAList, `${path} is not a list; append works on staff.<id>.skills, staff.<id>.unavailable and settings.coverage`, { path })
  }
  const record = draft.get(target.collection, target.id)
  if (!record) throw notFound(`${target.collection}.${target.id}`)
  const spec = fieldsOf(target.collection)[target.field]!
  const current = record[target.field] as unknown[]
  const item = checkScalar(spec.kind, value, `${path}.${current.length}`)
  draft.put(target.collection, target.id, { ...record, [target.field]: [...current, item] })
  return [{ kind: 'appendItem', collection: target.collection, id: target.id, field: target.field, value: item }]
}

const writeStep = (doc: Y.Doc, step: Step): void => {
  switch (step.kind) {
    case 'putRecord':
      return writeRecord(doc, step.collection, step.id, step.record)
    case 'removeRecord':
      rootMap(doc, step.collection).delete(step.id)
      return
    case 'putSettings':
      for (const [name, spec] of Object.entries(SETTINGS_FIELDS)) writeField(rootMap(doc, Root.settings), spec, name, step.settings[name as keyof SettingsJSON])
      return
    case 'setSetting':
      return writeField(rootMap(doc, Root.settings), SETTINGS_FIELDS[step.field as keyof SettingsJSON], step.field, step.value)
  }
  const map = recordMap(doc, step.collection, step.id)!
  const spec = fieldsOf(step.collection)[step.field]!
  const list = map.get(step.field)
  switch (step.kind) {
    case 'setField':
      return writeField(map, spec, step.field, step.value)
    case 'appendItem':
      if (list instanceof Y.Array) list.push([step.value as string])
      else map.set(step.field, Y.Array.from([...(readField(spec, list) as string[]), step.value as string]))
      return
    case 'removeItems':
      if (!(list instanceof Y.Array)) return
      for (let i = list.length - 1; i >= 0; i--) if (list.get(i) === step.value) list.delete(i, 1)
      return
  }
}

/**
 * Validates the whole batch and returns the steps that write it.
 * `attribute` adds the op index to errors (off for typed operations and fromJSON, whose ops the caller never saw).
 */
export const planOps = (doc: Y.Doc, ops: unknown, attribute = true): Step[] => {
  if (!Array.isArray(ops)) throw new ModelError(ModelErrorCode.InvalidOp, 'ops must be an array')
  const draft = new Draft(doc)
  const steps: Step[] = []
  ops.forEach((op, i) => {
    try {
      steps.push(...planOp(draft, checkOpShape(op)))
    } catch (err) {
      if (!(err instanceof ModelError)) throw err
      const path = isPlainObject(op) && typeof op.path === 'string' ? op.path : undefined
      throw err.at(attribute ? i : undefined, path)
    }
  })
  return steps
}

export const commitSteps = (doc: Y.Doc, steps: Step[], origin: unknown): void => {
  if (steps.length === 0) return
  doc.transact(() => {
    for (const step of steps) writeStep(doc, step)
  }, origin)
}

/** Checks a batch exactly as `applyOps` would, against the current document, and writes nothing. */
export const validateOps = (doc: Y.Doc, ops: PathOp[]): void => {
  planOps(doc, ops)
}

/**
 * Applies a batch of path ops as one transaction with `origin`: all of them, or (on the first invalid op)
 * none, throwing a ModelError carrying `opIndex` and `path`.
 */
export const applyOps = (doc: Y.Doc, ops: PathOp[], origin: unknown = MODEL_ORIGIN): void => {
  commitSteps(doc, planOps(doc, ops), origin)
}
