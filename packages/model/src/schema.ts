/**
 * The schedule document: its JSON shape, its Yjs layout (a public data contract that
 * stock Yjs editors write directly) and the validators for every field.
 *
 * Layout:
 *   staff:    Y.Map<staffId, Y.Map{ name, role, skills: Y.Array<string>, maxHoursPerWeek, unavailable: Y.Array<'YYYY-MM-DD'> }>
 *   shifts:   Y.Map<shiftId, Y.Map{ date, start, end, role, requiredSkill|null, assignee|null, notes }>
 *   settings: Y.Map{ name, timezone, weekStartsOn, coverage (plain JSON array, one value),
 *                    workRules? (plain JSON object, one value; absent: no working-time rules) }
 */
import * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday'

export interface StaffJSON {
  name: string
  role: string
  skills: string[]
  maxHoursPerWeek: number
  unavailable: string[]
}

export interface ShiftJSON {
  date: string
  start: string
  end: string
  role: string
  requiredSkill: string | null
  assignee: string | null
  notes: string
}

export interface CoverageRule {
  role: string
  start: string
  end: string
  min: number
}

/** The four working-time limits; absent: no limit. */
export interface WorkLimits {
  /** Least hours between the end of one of a person's shifts and the start of their next. */
  minRestHours?: number
  /** Most dates in a row on which a person starts a shift. */
  maxConsecutiveDays?: number
  /** Longest one shift may be, in hours. */
  maxShiftHours?: number
  /** Most hours a person works on one date (shifts split at midnight). */
  maxDayHours?: number
}

export type WorkLimit = keyof WorkLimits

/** A role's override of a limit: a number replaces the team's, null waives the rule for that role. */
export type RoleWorkLimits = { [K in WorkLimit]?: number | null }

export interface WorkRules extends WorkLimits {
  /** Per-role overrides, by role name (a person's `staff.role`; for shift length, the shift's role). */
  roles?: Record<string, RoleWorkLimits>
}

export interface SettingsJSON {
  name: string
  timezone: string
  weekStartsOn: Weekday
  coverage: CoverageRule[]
  /** Working-time rules; absent (undefined) when the team set none. */
  workRules?: WorkRules
}

export interface ScheduleJSON {
  staff: Record<string, StaffJSON>
  shifts: Record<string, ShiftJSON>
  settings: SettingsJSON
}

/** What `addStaff` / `set staff.<id>` accept: optional fields take their defaults. */
export type StaffInput = Pick<StaffJSON, 'name' | 'role'> & Partial<StaffJSON>
/** What `addShift` / `set shifts.<id>` accept: optional fields take their defaults. */
export type ShiftInput = Pick<ShiftJSON, 'date' | 'start' | 'end' | 'role'> & Partial<ShiftJSON>

export const WEEKDAYS: readonly Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']

export const Root = { staff: 'staff', shifts: 'shifts', settings: 'settings' } as const
export type Collection = typeof Root.staff | typeof Root.shifts

export const MAX_ID_LENGTH = 256
export const MAX_TEXT_LENGTH = 10_000

// ---------------------------------------------------------------------------------------------
// Field specs: one table drives validation, defaults, reading and writing.

export type ValueKind = 'text' | 'label' | 'date' | 'time' | 'hours' | 'weekday' | 'timezone' | 'coverage' | 'workRules'

export interface FieldSpec {
  /** Kind of the value, or of each list item when `list` is set. */
  readonly kind: ValueKind
  readonly required: boolean
  readonly nullable?: boolean
  /** Stored as a Y.Array (supports `append` and item `delete`). */
  readonly list?: boolean
  /** Must name an existing staff id. */
  readonly staffRef?: boolean
  readonly fallback: () => unknown
}

const required = (kind: ValueKind): FieldSpec => ({ kind, required: true, fallback: () => (kind === 'hours' ? 0 : '') })
const optional = (kind: ValueKind, fallback: () => unknown, extra: Partial<FieldSpec> = {}): FieldSpec => ({ kind, required: false, fallback, ...extra })

export const STAFF_FIELDS = {
  name: required('label'),
  role: required('label'),
  skills: optional('label', () => [], { list: true }),
  maxHoursPerWeek: optional('hours', () => DEFAULT_MAX_HOURS),
  unavailable: optional('date', () => [], { list: true }),
} as const satisfies Record<keyof StaffJSON, FieldSpec>

export const SHIFT_FIELDS = {
  date: required('date'),
  start: required('time'),
  end: required('time'),
  role: required('label'),
  requiredSkill: optional('label', () => null, { nullable: true }),
  assignee: optional('label', () => null, { nullable: true, staffRef: true }),
  notes: optional('text', () => ''),
} as const satisfies Record<keyof ShiftJSON, FieldSpec>

export const SETTINGS_FIELDS = {
  name: optional('text', () => ''),
  timezone: optional('timezone', () => 'UTC'),
  weekStartsOn: optional('weekday', () => 'monday'),
  coverage: optional('coverage', () => []),
  // Optional and absent by default, so schedules written before work rules existed read (and compare) as before.
  workRules: optional('workRules', () => undefined),
} as const satisfies Record<keyof SettingsJSON, FieldSpec>

export const DEFAULT_MAX_HOURS = 40

export const fieldsOf = (collection: Collection): Readonly<Record<string, FieldSpec>> =>
  collection === Root.staff ? STAFF_FIELDS : SHIFT_FIELDS

export const hasField = (fields: Readonly<Record<string, FieldSpec>>, name: string): boolean =>
  Object.prototype.hasOwnProperty.call(fields, name)

// ---------------------------------------------------------------------------------------------
// Validators. Each returns the normalised value or throws a ModelError naming `path`.

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/

const checkDate = (value: string): boolean => {
  const m = DATE_RE.exec(value)
  if (!m) return false
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (month < 1 || month > 12 || day < 1) return false
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
}

// The rules read every shift's date many times per update (coverage, weeks, rests), and a schedule has few
// distinct dates: remembered, as time zones are below. Bounded, so hostile input cannot grow it.
const dateCache = new Map<string, boolean>()
export const isDate = (value: unknown): value is string => {
  if (typeof value !== 'string') return false
  let ok = dateCache.get(value)
  if (ok === undefined) {
    ok = checkDate(value)
    if (dateCache.size < 4096) dateCache.set(value, ok)
  }
  return ok
}

export const isTime = (value: unknown): value is string => typeof value === 'string' && TIME_RE.test(value)

const timezoneCache = new Map<string, boolean>()
export const isTimezone = (value: unknown): value is string => {
  if (typeof value !== 'string' || value === '' || value.length > 64) return false
  let ok = timezoneCache.get(value)
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: value })
      ok = true
    } catch {
      ok = false
    }
    if (timezoneCache.size < 1000) timezoneCache.set(value, ok)
  }
  return ok
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)

const wrongType = (path: string, expected: string, value: unknown): ModelError =>
  new ModelError(ModelErrorCode.WrongType, `${path}: expected ${expected}, got ${describeType(value)}`, { path })
const invalid = (path: string, reason: string): ModelError =>
  new ModelError(ModelErrorCode.InvalidValue, `${path}: ${reason}`, { path })

const describeType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value

const checkString = (value: unknown, path: string): string => {
  if (typeof value !== 'string') throw wrongType(path, 'a string', value)
  if (value.length > MAX_TEXT_LENGTH) throw invalid(path, `longer than ${MAX_TEXT_LENGTH} characters`)
  return value
}

/** Validates one scalar of `kind` (a list item, or a non-list field's value). */
export const checkScalar = (kind: ValueKind, value: unknown, path: string): unknown => {
  switch (kind) {
    case 'text':
      return checkString(value, path)
    case 'label':
      if (checkString(value, path).trim() === '') throw invalid(path, 'must not be empty')
      return value
    case 'date':
      if (!isDate(checkString(value, path))) throw invalid(path, `expected a date 'YYYY-MM-DD', got '${String(value)}'`)
      return value
    case 'time':
      if (!isTime(checkString(value, path))) throw invalid(path, `expected a time 'HH:MM' (00:00–23:59), got '${String(value)}'`)
      return value
    case 'hours':
      if (typeof value !== 'number') throw wrongType(path, 'a number', value)
      if (!Number.isFinite(value) || value < 0 || value > 168) throw invalid(path, 'expected hours between 0 and 168')
      return value
    case 'weekday':
      if (!WEEKDAYS.includes(checkString(value, path) as Weekday)) throw invalid(path, `expected one of ${WEEKDAYS.join(', ')}`)
      return value
    case 'timezone':
      if (!isTimezone(checkString(value, path))) throw invalid(path, `'${String(value)}' is not an IANA time zone name`)
      return value
    case 'coverage':
      return checkCoverage(value, path)
    case 'workRules':
      return checkWorkRules(value, path)
  }
}

/** Validates a field value (list, nullable or scalar). Reference checks are the caller's (they need the document). */
export const checkField = (spec: FieldSpec, value: unknown, path: string): unknown => {
  if (value === null && spec.nullable) return null
  if (spec.list) {
    if (!Array.isArray(value)) throw wrongType(path, 'an array', value)
    return value.map((item, i) => checkScalar(spec.kind, item, `${path}.${i}`))
  }
  if (value === null) throw wrongType(path, 'a non-null value', value)
  return checkScalar(spec.kind, value, path)
}

const RULE_KEYS = ['role', 'start', 'end', 'min'] as const

export const checkCoverageRule = (value: unknown, path: string): CoverageRule => {
  if (!isPlainObject(value)) throw wrongType(path, 'an object { role, start, end, min }', value)
  for (const key of Object.keys(value)) {
    if (!(RULE_KEYS as readonly string[]).includes(key)) throw new ModelError(ModelErrorCode.UnknownPath, `${path}.${key}: unknown coverage rule field`, { path: `${path}.${key}` })
  }
  for (const key of RULE_KEYS) {
    if (!(key in value)) throw new ModelError(ModelErrorCode.MissingField, `${path}.${key} is required`, { path: `${path}.${key}` })
  }
  const min = value.min
  if (typeof min !== 'number') throw wrongType(`${path}.min`, 'a number', min)
  if (!Number.isInteger(min) || min < 0) throw invalid(`${path}.min`, 'expected an integer ≥ 0')
  // Fixed key order so equal rules serialise equally.
  return {
    role: checkScalar('label', value.role, `${path}.role`) as string,
    start: checkScalar('time', value.start, `${path}.start`) as string,
    end: checkScalar('time', value.end, `${path}.end`) as string,
    min,
  }
}

const checkCoverage = (value: unknown, path: string): CoverageRule[] => {
  if (!Array.isArray(value)) throw wrongType(path, 'an array of coverage rules', value)
  return value.map((rule, i) => checkCoverageRule(rule, `${path}.${i}`))
}

// ---------------------------------------------------------------------------------------------
// Working-time rules: `{ minRestHours?, maxConsecutiveDays?, maxShiftHours?, maxDayHours?, roles?: { [role]: {…} } }`.

export const WORK_LIMITS: readonly WorkLimit[] = ['minRestHours', 'maxConsecutiveDays', 'maxShiftHours', 'maxDayHours']
const WORK_RULE_KEYS = [...WORK_LIMITS, 'roles'] as const
/** A run of working days is counted over at most this many dates (a year and a day). */
export const MAX_CONSECUTIVE_DAYS = 366

/** Why a limit's value is not allowed, or null when it is (one predicate for the strict and lenient readers). */
const limitProblem = (limit: WorkLimit, value: unknown): string | null => {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'expected a number'
  switch (limit) {
    case 'maxConsecutiveDays':
      return Number.isInteger(value) && value >= 1 && value <= MAX_CONSECUTIVE_DAYS ? null : `expected an integer from 1 to ${MAX_CONSECUTIVE_DAYS}`
    case 'maxDayHours':
      return value > 0 && value <= 24 ? null : 'expected hours above 0, at most 24'
    case 'maxShiftHours':
      return value > 0 && value <= 24 ? null : 'expected hours above 0, at most 24 (a shift is at most 24 hours)'
    case 'minRestHours':
      return value >= 0 && value <= 168 ? null : 'expected hours between 0 and 168'
  }
}

const checkLimits = (value: Record<string, unknown>, path: string, keys: readonly string[], nullable: boolean): Record<string, number | null> => {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new ModelError(ModelErrorCode.UnknownPath, `${path}.${key}: unknown work rule (expected ${keys.join(', ')})`, { path: `${path}.${key}` })
  }
  const out: Record<string, number | null> = {}
  // Fixed key order so equal rules serialise equally; absent keys stay absent.
  for (const limit of WORK_LIMITS) {
    const v = value[limit]
    if (v === undefined) continue
    if (v === null && nullable) {
      out[limit] = null
      continue
    }
    const problem = limitProblem(limit, v)
    if (problem !== null) throw typeof v === 'number' ? invalid(`${path}.${limit}`, problem) : wrongType(`${path}.${limit}`, nullable ? 'a number or null' : 'a number', v)
    out[limit] = v as number
  }
  return out
}

export const checkWorkRules = (value: unknown, path: string): WorkRules => {
  if (!isPlainObject(value)) throw wrongType(path, 'an object { minRestHours?, maxConsecutiveDays?, maxShiftHours?, maxDayHours?, roles? }', value)
  const out: WorkRules = checkLimits(value, path, WORK_RULE_KEYS, false) as WorkLimits
  if (value.roles === undefined) return out
  if (!isPlainObject(value.roles)) throw wrongType(`${path}.roles`, 'an object of role overrides', value.roles)
  const roles: Record<string, RoleWorkLimits> = {}
  for (const role of Object.keys(value.roles).sort()) {
    const rolePath = `${path}.roles.${role}`
    if (role.trim() === '' || role.length > MAX_TEXT_LENGTH) throw invalid(rolePath, 'a role name must not be empty')
    const limits = value.roles[role]
    if (!isPlainObject(limits)) throw wrongType(rolePath, 'an object of limits', limits)
    roles[role] = checkLimits(limits, rolePath, WORK_LIMITS, true)
  }
  out.roles = roles
  return out
}

/**
 * Validates a whole record (or the settings object): known fields only, required fields present,
 * each field valid; omitted optional fields take their defaults. Returns a fresh normalised object.
 */
export const checkRecord = <T>(fields: Readonly<Record<string, FieldSpec>>, value: unknown, path: string): T => {
  if (!isPlainObject(value)) throw wrongType(path, 'an object', value)
  for (const key of Object.keys(value)) {
    if (!hasField(fields, key)) throw new ModelError(ModelErrorCode.UnknownPath, `${path}.${key}: unknown field`, { path: `${path}.${key}` })
  }
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(fields)) {
    const fieldPath = `${path}.${name}`
    if (value[name] === undefined) {
      if (spec.required) throw new ModelError(ModelErrorCode.MissingField, `${fieldPath} is required`, { path: fieldPath })
      out[name] = spec.fallback()
    } else {
      out[name] = checkField(spec, value[name], fieldPath)
    }
  }
  return out as T
}

const RESERVED_IDS = new Set(['__proto__', 'constructor', 'prototype'])

/** Whether `id` could name a record: checkId's rule without an exception (lenient reads skip the others). */
export const isId = (id: unknown): id is string =>
  typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH && !id.includes('.') && !RESERVED_IDS.has(id)

/** Ids are opaque strings, but they live in dotted paths: non-empty, no '.', at most MAX_ID_LENGTH. */
export const checkId = (id: unknown, path: string): string => {
  if (typeof id !== 'string') throw new ModelError(ModelErrorCode.InvalidId, `${path}: an id must be a string`, { path })
  if (!isId(id)) {
    throw new ModelError(ModelErrorCode.InvalidId, `${path}: invalid id '${id}' (non-empty, no '.', at most ${MAX_ID_LENGTH} characters)`, { path })
  }
  return id
}

export const defaultSettings = (): SettingsJSON => checkRecord<SettingsJSON>(SETTINGS_FIELDS, {}, Root.settings)

// ---------------------------------------------------------------------------------------------
// Yjs layout: reading (lenient — foreign writers may store anything) and writing.

export const rootMap = (doc: Y.Doc, root: typeof Root[keyof typeof Root]): Y.Map<unknown> => doc.getMap(root)

/** Reads a field as stored, falling back to the default when a foreign writer stored something invalid. */
export const readField = (spec: FieldSpec, raw: unknown): unknown => {
  if (spec.list) {
    const items = raw instanceof Y.Array ? (raw.toArray() as unknown[]) : []
    return items.filter((item) => isValidScalar(spec.kind, item))
  }
  if (raw === null && spec.nullable) return null
  if (spec.kind === 'coverage') {
    // Rules a foreign writer got wrong are left out; the valid ones still count.
    return Array.isArray(raw) ? raw.flatMap((rule) => readCoverageRule(rule) ?? []) : []
  }
  if (spec.kind === 'workRules') return readWorkRules(raw)
  return isValidScalar(spec.kind, raw) ? raw : spec.fallback()
}

/*
 * Lenient reading runs on every projection of a document, intermediate states included (a record whose
 * fields have not all arrived, a foreign writer's value): the same rules as checkScalar/checkCoverageRule,
 * as predicates, because building and discarding an exception per malformed field is what made reading
 * such states slow. model's json.test.ts checks that both give the same verdict on any value.
 */

/** Whether `value` is a valid scalar of `kind` (what checkScalar accepts), without throwing. */
export const isValidScalar = (kind: ValueKind, value: unknown): boolean => {
  if (kind === 'hours') return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 168
  if (kind === 'coverage') return Array.isArray(value) && value.every((rule) => readCoverageRule(rule) !== null)
  if (kind === 'workRules') return isValidWorkRules(value)
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) return false
  switch (kind) {
    case 'text':
      return true
    case 'label':
      return value.trim() !== ''
    case 'date':
      return isDate(value)
    case 'time':
      return isTime(value)
    case 'weekday':
      return WEEKDAYS.includes(value as Weekday)
    case 'timezone':
      return isTimezone(value)
  }
}

/** The normalised coverage rule checkCoverageRule would return, or null where it would throw. */
export const readCoverageRule = (value: unknown): CoverageRule | null => {
  if (!isPlainObject(value)) return null
  if (Object.keys(value).some((key) => !(RULE_KEYS as readonly string[]).includes(key))) return null
  if (RULE_KEYS.some((key) => !(key in value))) return null
  const { role, start, end, min } = value
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 0) return null
  if (!isValidScalar('label', role) || !isValidScalar('time', start) || !isValidScalar('time', end)) return null
  return { role: role as string, start: start as string, end: end as string, min }
}

const readLimits = (value: Record<string, unknown>, nullable: boolean): Record<string, number | null> => {
  const out: Record<string, number | null> = {}
  for (const limit of WORK_LIMITS) {
    const v = value[limit]
    if (v === null && nullable) out[limit] = null
    else if (v !== undefined && limitProblem(limit, v) === null) out[limit] = v as number
  }
  return out
}

/**
 * Work rules as stored, read leniently: a limit a foreign writer got wrong is left out (no limit), a
 * malformed role override too, the valid ones still count; a value that is not an object reads as none.
 */
export const readWorkRules = (value: unknown): WorkRules | undefined => {
  if (!isPlainObject(value)) return undefined
  const out: WorkRules = readLimits(value, false) as WorkLimits
  if (!isPlainObject(value.roles)) return out
  const roles: Record<string, RoleWorkLimits> = {}
  for (const role of Object.keys(value.roles).sort()) {
    const limits = value.roles[role]
    if (role.trim() !== '' && role.length <= MAX_TEXT_LENGTH && isPlainObject(limits)) roles[role] = readLimits(limits, true)
  }
  out.roles = roles
  return out
}

/** Whether checkWorkRules accepts `value` (it does exactly when the lenient read changes nothing). */
const isValidWorkRules = (value: unknown): boolean => {
  if (!isPlainObject(value)) return false
  const keysOk = (v: Record<string, unknown>, keys: readonly string[]): boolean => Object.keys(v).every((k) => keys.includes(k))
  const limitsOk = (v: Record<string, unknown>, nullable: boolean): boolean =>
    WORK_LIMITS.every((l) => v[l] === undefined || (v[l] === null && nullable) || limitProblem(l, v[l]) === null)
  if (!keysOk(value, WORK_RULE_KEYS) || !limitsOk(value, false)) return false
  if (value.roles === undefined) return true
  if (!isPlainObject(value.roles)) return false
  return Object.entries(value.roles).every(([role, limits]) =>
    role.trim() !== '' && role.length <= MAX_TEXT_LENGTH && isPlainObject(limits) && keysOk(limits, WORK_LIMITS) && limitsOk(limits, true))
}

export const readRecord = <T>(fields: Readonly<Record<string, FieldSpec>>, map: Y.Map<unknown>): T => {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(fields)) out[name] = readField(spec, map.get(name))
  return out as T
}

export const readSettings = (doc: Y.Doc): SettingsJSON => readRecord<SettingsJSON>(SETTINGS_FIELDS, rootMap(doc, Root.settings))

/** The stored record map, or undefined when absent (or not a Y.Map, which the model treats as absent). */
export const recordMap = (doc: Y.Doc, collection: Collection, id: string): Y.Map<unknown> | undefined => {
  const value = rootMap(doc, collection).get(id)
  return value instanceof Y.Map ? value : undefined
}

const sameJSON = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b)

/** Writes one field of a stored record/settings map; writes nothing when the stored value is already equal. */
export const writeField = (map: Y.Map<unknown>, spec: FieldSpec, name: string, value: unknown): void => {
  const current = map.get(name)
  if (spec.list) {
    const items = value as string[]
    if (current instanceof Y.Array) {
      if (sameJSON(current.toArray(), items)) return
      current.delete(0, current.length)
      current.insert(0, items as string[])
    } else {
      map.set(name, Y.Array.from(items as string[]))
    }
    return
  }
  if (spec.kind === 'workRules' && value === undefined) {
    // No rules: the key is absent (as in schedules written before work rules existed).
    if (map.has(name)) map.delete(name)
    return
  }
  if (spec.kind === 'coverage' || spec.kind === 'workRules') {
    if (!sameJSON(current, value)) map.set(name, structuredClone(value))
    return
  }
  if (current !== value || !map.has(name)) map.set(name, value)
}

/** A fresh record map holding every field (lists as Y.Arrays). */
const newRecordMap = (fields: Readonly<Record<string, FieldSpec>>, record: Record<string, unknown>): Y.Map<unknown> =>
  new Y.Map<unknown>(Object.entries(fields).map(([name, spec]) => [name, spec.list ? Y.Array.from(record[name] as string[]) : record[name]]))

/** Creates the record, or updates the stored one in place (only fields that differ), keeping foreign extra fields. */
export const writeRecord = (doc: Y.Doc, collection: Collection, id: string, record: Record<string, unknown>): void => {
  const fields = fieldsOf(collection)
  const existing = recordMap(doc, collection, id)
  if (!existing) {
    rootMap(doc, collection).set(id, newRecordMap(fields, record))
    return
  }
  for (const [name, spec] of Object.entries(fields)) writeField(existing, spec, name, record[name])
}
