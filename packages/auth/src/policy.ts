import * as Y from 'yjs'
import { isDate, parsePath, type PathTarget } from '@rota/model'
import { allow, deny, type Decision, type Identity } from './types.ts'

/**
 * The field-level rules, written once over "what would change" (the model's `describeUpdate` changes
 * for WebSocket updates; the same for REST path ops). docs/security.md states them in prose.
 *
 * - viewer: nothing.
 * - staff (self = the token's staffId): append dates to `staff.<self>.unavailable`; set
 *   `shifts.<id>.assignee` from null to self (pick up an open shift they qualify for: same role, the
 *   required skill) or from self to null (release); set `shifts.<id>.notes` of a shift that is theirs
 *   before or after the same update (so pick-up plus note is one update).
 * - lead: any change under `shifts`, and `staff.<id>.unavailable` of anyone; not staff records or settings.
 * - manager, admin: everything (schema validity is the model's concern).
 */
export interface Change {
  path: string
  /** `insert` is a new map key or a list item, `set` an existing key; for a field both write `value`. */
  kind: 'set' | 'delete' | 'insert'
  value?: unknown
  previous?: unknown
  /** Structure outside the schema (describeUpdate's flag): only managers and admins may write it. */
  unknown?: true
}

interface ShiftView {
  assignee: unknown
  role: unknown
  requiredSkill: unknown
}

interface StaffView {
  role: unknown
  skills: unknown[]
}

const recordOf = (doc: Y.Doc, root: 'staff' | 'shifts', id: string): Y.Map<unknown> | undefined => {
  const value = doc.getMap(root).get(id)
  return value instanceof Y.Map ? value : undefined
}

const shiftOf = (doc: Y.Doc, id: string): ShiftView | undefined => {
  const map = recordOf(doc, 'shifts', id)
  return map && { assignee: map.get('assignee') ?? null, role: map.get('role'), requiredSkill: map.get('requiredSkill') ?? null }
}

const staffOf = (doc: Y.Doc, id: string): StaffView | undefined => {
  const map = recordOf(doc, 'staff', id)
  if (map === undefined) return undefined
  const skills = map.get('skills')
  return { role: map.get('role'), skills: skills instanceof Y.Array ? skills.toArray() : [] }
}

const targetOf = (change: Change): PathTarget | undefined => {
  if (change.unknown) return undefined
  try {
    return parsePath(change.path)
  } catch {
    return undefined
  }
}

type FieldTarget = Extract<PathTarget, { kind: 'field' }>

/** The target when it is `<collection>.<id>.<field>`. */
const fieldTarget = (target: PathTarget | undefined, collection: 'staff' | 'shifts', field: string): FieldTarget | undefined =>
  target?.kind === 'field' && target.collection === collection && target.field === field ? target : undefined

const refuse = (identity: Identity, change: Change): Decision => deny(`${identity.role} may not ${change.kind} ${change.path}`)

/** The assignee a change leaves on a shift: `delete` of a nullable field means null. */
const newAssignee = (change: Change): unknown => (change.kind === 'delete' ? null : change.value)

const insertedDates = (value: unknown): boolean => (Array.isArray(value) ? value.length > 0 && value.every(isDate) : isDate(value))

const judgeAssignee = (doc: Y.Doc, self: string, shiftId: string, change: Change): Decision => {
  const shift = shiftOf(doc, shiftId)
  if (shift === undefined) return deny(`staff may not assign shift ${shiftId}: it does not exist yet`)
  const after = newAssignee(change)
  if (shift.assignee === self && after === null) return allow
  if (shift.assignee === null && after === self) {
    const me = staffOf(doc, self)
    if (me === undefined) return deny(`staff record ${self} does not exist`)
    if (me.role !== shift.role) return deny(`shift ${shiftId} is for role ${String(shift.role)}, not ${String(me.role)}`)
    if (shift.requiredSkill !== null && !me.skills.includes(shift.requiredSkill)) {
      return deny(`shift ${shiftId} needs skill ${String(shift.requiredSkill)}`)
    }
    return allow
  }
  return deny(
    shift.assignee === null
      ? `staff may only pick up shift ${shiftId} for themselves`
      : `shift ${shiftId} belongs to ${String(shift.assignee)}: staff may only release their own shifts`,
  )
}

const judgeStaff = (identity: Identity, doc: Y.Doc, changes: Change[]): Decision => {
  const self = identity.staffId
  if (self === undefined) return deny('a staff identity without staffId may not change anything')
  const targets = changes.map(targetOf)
  // Shifts this update leaves assigned to self: notes on them are the staff member's own.
  const mine = new Set<string>()
  targets.forEach((target, i) => {
    const assignee = fieldTarget(target, 'shifts', 'assignee')
    if (assignee !== undefined && newAssignee(changes[i]!) === self) mine.add(assignee.id)
  })
  for (const [i, change] of changes.entries()) {
    const target = targets[i]
    const assignee = fieldTarget(target, 'shifts', 'assignee')
    const notes = fieldTarget(target, 'shifts', 'notes')
    const timeOff = fieldTarget(target, 'staff', 'unavailable')
    let decision: Decision = refuse(identity, change)
    if (assignee !== undefined) {
      decision = judgeAssignee(doc, self, assignee.id, change)
    } else if (notes !== undefined) {
      const ownsIt = shiftOf(doc, notes.id)?.assignee === self || mine.has(notes.id)
      if (!ownsIt) decision = deny(`staff may only write notes on their own shifts, not ${notes.id}`)
      else if (change.kind !== 'delete' && typeof change.value === 'string') decision = allow
    } else if (timeOff !== undefined && timeOff.id === self) {
      if (change.kind !== 'insert') decision = deny('staff may only add dates to their own time off; a lead removes them')
      else if (insertedDates(change.value)) decision = allow
      else decision = deny('time off is a list of YYYY-MM-DD dates')
    }
    if (!decision.ok) return decision
  }
  return allow
}

const judgeLead = (identity: Identity, changes: Change[]): Decision => {
  for (const change of changes) {
    const target = targetOf(change)
    const isShift = (target?.kind === 'record' || target?.kind === 'field') && target.collection === 'shifts'
    if (!isShift && fieldTarget(target, 'staff', 'unavailable') === undefined) return refuse(identity, change)
  }
  return allow
}

/** Judges a complete set of changes against the role's rules, with `doc` as it is before them. */
export const judgeChanges = (identity: Identity, doc: Y.Doc, changes: Change[]): Decision => {
  if (changes.length === 0) return allow
  switch (identity.role) {
    case 'viewer':
      return deny('viewer is read-only')
    case 'staff':
      return judgeStaff(identity, doc, changes)
    case 'lead':
      return judgeLead(identity, changes)
    case 'manager':
    case 'admin':
      return allow
  }
}
