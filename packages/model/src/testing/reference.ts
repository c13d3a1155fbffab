/**
 * A plain-JSON reference model of the path-op semantics, written independently of the Yjs implementation
 * (it shares only the value validators). The model-based property test compares the two.
 */
import type { PathOp } from '../ops.ts'
import {
  type FieldSpec,
  type ScheduleJSON,
  SETTINGS_FIELDS,
  SHIFT_FIELDS,
  STAFF_FIELDS,
  checkCoverageRule,
  checkField,
  checkRecord,
  checkScalar,
} from '../schema.ts'

class ReferenceError extends Error {
  constructor(readonly code: string) {
    super(code)
  }
}

const fail = (code: string): never => {
  throw new ReferenceError(code)
}

const specs = (collection: string): Record<string, FieldSpec> | undefined =>
  collection === 'staff' ? STAFF_FIELDS : collection === 'shifts' ? SHIFT_FIELDS : undefined

const applyOne = (s: ScheduleJSON, op: PathOp): void => {
  const parts = op.path.split('.')
  const [root, a, b] = parts
  if (parts.length > 3) fail('ROTA_MODEL_UNKNOWN_PATH')
  if (root === 'settings') {
    if (parts.length > 2) fail('ROTA_MODEL_UNKNOWN_PATH')
    if (a === undefined) {
      if (op.op !== 'set') fail(op.op === 'delete' ? 'ROTA_MODEL_NOT_DELETABLE' : 'ROTA_MODEL_NOT_A_LIST')
      s.settings = checkRecord(SETTINGS_FIELDS, op.value, 'settings')
      return
    }
    const spec = (SETTINGS_FIELDS as Record<string, FieldSpec>)[a] ?? fail('ROTA_MODEL_UNKNOWN_PATH')
    if (op.op === 'delete') fail('ROTA_MODEL_NOT_DELETABLE')
    if (op.op === 'append') {
      if (a !== 'coverage') fail('ROTA_MODEL_NOT_A_LIST')
      s.settings.coverage = [...s.settings.coverage, checkCoverageRule(op.value, 'x')]
      return
    }
    ;(s.settings as unknown as Record<string, unknown>)[a] = checkField(spec, op.value, op.path)
    return
  }
  const fields = specs(root!) ?? fail('ROTA_MODEL_UNKNOWN_PATH')
  const records = (root === 'staff' ? s.staff : s.shifts) as unknown as Record<string, Record<string, unknown>>
  const id = a ?? fail('ROTA_MODEL_UNKNOWN_PATH')
  if (b === undefined) {
    if (op.op === 'append') fail('ROTA_MODEL_NOT_A_LIST')
    if (op.op === 'delete') {
      if (!records[id]) fail('ROTA_MODEL_NOT_FOUND')
      delete records[id]
      if (root === 'staff') for (const shift of Object.values(s.shifts)) if (shift.assignee === id) shift.assignee = null
      return
    }
    const record = checkRecord<Record<string, unknown>>(fields, op.value, op.path)
    if (root === 'shifts' && record.assignee !== null && !s.staff[record.assignee as string]) fail('ROTA_MODEL_MISSING_REFERENCE')
    records[id] = record
    return
  }
  const spec = fields[b] ?? fail('ROTA_MODEL_UNKNOWN_PATH')
  if (op.op === 'append' && !spec.list) fail('ROTA_MODEL_NOT_A_LIST')
  const record = records[id] ?? fail('ROTA_MODEL_NOT_FOUND')
  if (op.op === 'append') {
    record[b] = [...(record[b] as unknown[]), checkScalar(spec.kind, op.value, op.path)]
  } else if (op.op === 'delete') {
    if (spec.list) record[b] = op.value === undefined ? [] : (record[b] as unknown[]).filter((x) => x !== op.value)
    else if (spec.nullable) record[b] = null
    else fail('ROTA_MODEL_NOT_DELETABLE')
  } else {
    const value = checkField(spec, op.value, op.path)
    if (spec.staffRef && value !== null && !s.staff[value as string]) fail('ROTA_MODEL_MISSING_REFERENCE')
    record[b] = value
  }
}

/** Applies a batch all-or-nothing; returns the new schedule, or the error code of the first failing op. */
export const applyReference = (schedule: ScheduleJSON, ops: PathOp[]): { ok: true; schedule: ScheduleJSON } | { ok: false; code: string } => {
  const draft = structuredClone(schedule)
  try {
    for (const op of ops) applyOne(draft, op)
    return { ok: true, schedule: draft }
  } catch (err) {
    const code = (err as { code?: string }).code
    if (typeof code !== 'string') throw err
    return { ok: false, code }
  }
}
