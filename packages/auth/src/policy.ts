import { isDate, parsePath, type PathTarget } from '@rota/model'
import { defaultRoleRules, type RoleRules, type RuleArea } from './roleRules.ts'
import { allow, deny, roleAtLeast, type Decision, type Identity } from './types.ts'

/**
 * The field-level rules, written once over "what would change" (the changes an update made, read by
 * effect, for WebSocket and binary REST updates; the path ops for REST). A team's `RoleRules` say which
 * least role may change each area; the defaults are:
 *
 * - viewer: nothing.
 * - staff (self = the token's staffId), the self-service rules: append dates to `staff.<self>.unavailable`;
 *   set `shifts.<id>.assignee` from null to self (pick up an open shift they qualify for: same role, the
 *   required skill) or from self to null (release); set `shifts.<id>.notes` of a shift that is theirs
 *   before or after the same update (so pick-up plus note is one update).
 * - lead: any change under `shifts`, and `staff.<id>.unavailable` of anyone; not staff records or settings.
 * - manager: everything (schema validity is the model's concern). admin: always everything.
 *
 * Every fact a rule reads (who a shift belongs to, which skills a person has) comes from `facts`: the
 * state the change was made on — the author's view, not whatever the server holds by the time it arrives.
 */
export interface Change {
  path: string
  /** `insert` is a new map key or a list item, `set` an existing key; for a field both write `value`. */
  kind: 'set' | 'delete' | 'insert'
  value?: unknown
  previous?: unknown
  /** Structure outside the schema, or content the schedule does not use: only the settings area's roles may write it. */
  unknown?: true
}

/** Values of the state a change was judged on, by dotted path (`shifts.s1`, `staff.ana.skills`). */
export interface ScheduleFacts {
  get(path: string): unknown
  /**
   * Every value the judged update wrote to a key, intermediate ones included (an offline session that
   * picked a shift up, wrote a note on it and released it again). Optional: REST ops have none.
   */
  written?(path: string): readonly unknown[]
}

interface ShiftFacts {
  assignee: unknown
  role: unknown
  requiredSkill: unknown
}

const objectAt = (facts: ScheduleFacts, path: string): Record<string, unknown> | undefined => {
  const value = facts.get(path)
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

const shiftOf = (facts: ScheduleFacts, id: string): ShiftFacts | undefined => {
  const shift = objectAt(facts, `shifts.${id}`)
  return shift && { assignee: shift.assignee ?? null, role: shift.role, requiredSkill: shift.requiredSkill ?? null }
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

/** Which area of the role rules a change falls in; structure outside the schema counts as settings. */
export const areaOf = (change: Change): RuleArea => {
  const target = targetOf(change)
  if (target === undefined) return 'settings'
  switch (target.kind) {
    case 'settings':
      return 'settings'
    case 'setting':
      return target.field === 'coverage' ? 'coverage' : 'settings'
    case 'record':
      return target.collection === 'shifts' ? 'shifts' : 'staffRecords'
    case 'field':
      if (target.collection === 'shifts') return 'shifts'
      return target.field === 'unavailable' ? 'timeOff' : 'staffRecords'
  }
}

const refuse = (identity: Identity, change: Change): Decision => deny(`${identity.role} may not ${change.kind} ${change.path}`)

/** The assignee a change leaves on a shift: `delete` of a nullable field means null. */
const newAssignee = (change: Change): unknown => (change.kind === 'delete' ? null : change.value)

const insertedDates = (value: unknown): boolean => (Array.isArray(value) ? value.length > 0 && value.every(isDate) : isDate(value))

/** May `self` pick up this open shift: the team allows it, same role, the required skill. */
const judgePickUp = (facts: ScheduleFacts, self: string, shiftId: string, shift: ShiftFacts, rules: RoleRules): Decision => {
  if (!rules.selfService.pickUp) return deny('this team does not let staff pick up open shifts')
  const me = objectAt(facts, `staff.${self}`)
  if (me === undefined) return deny(`staff record ${self} does not exist`)
  if (me.role !== shift.role) return deny(`shift ${shiftId} is for role ${String(shift.role)}, not ${String(me.role)}`)
  const skills = Array.isArray(me.skills) ? me.skills : []
  if (shift.requiredSkill !== null && !skills.includes(shift.requiredSkill)) return deny(`shift ${shiftId} needs skill ${String(shift.requiredSkill)}`)
  return allow
}

/**
 * The update may have held the shift for `self` at some point: an allowed pick-up, released again within
 * it. It wrote the shift's assignee (self, or a value its author's Yjs already collected) and the shift was
 * `self`'s or open to them before. A note written meanwhile is theirs; this grants nothing that picking the
 * shift up, writing the note and releasing it would not.
 */
const heldWithin = (facts: ScheduleFacts, self: string, shiftId: string, rules: RoleRules): boolean => {
  const written = facts.written?.(`shifts.${shiftId}.assignee`) ?? []
  if (!written.some((value) => value === self || value === undefined)) return false
  const shift = shiftOf(facts, shiftId)
  return shift !== undefined && (shift.assignee === self || (shift.assignee === null && judgePickUp(facts, self, shiftId, shift, rules).ok))
}

const judgeAssignee = (facts: ScheduleFacts, self: string, shiftId: string, change: Change, rules: RoleRules): Decision => {
  const shift = shiftOf(facts, shiftId)
  if (shift === undefined) return deny(`staff may not assign shift ${shiftId}: it does not exist yet`)
  const after = newAssignee(change)
  if (shift.assignee === self && after === null) {
    return rules.selfService.release ? allow : deny('this team does not let staff release their own shifts')
  }
  if (shift.assignee === null && after === self) return judgePickUp(facts, self, shiftId, shift, rules)
  return deny(
    shift.assignee === null
      ? `staff may only pick up shift ${shiftId} for themselves`
      : `shift ${shiftId} belongs to ${String(shift.assignee)}: staff may only release their own shifts`,
  )
}

/** The self-service rules for a change outside the identity's areas: their own shifts, notes and time off. */
const judgeSelf = (identity: Identity, facts: ScheduleFacts, change: Change, mine: ReadonlySet<string>, rules: RoleRules): Decision => {
  const self = identity.staffId
  if (self === undefined) return refuse(identity, change)
  const target = targetOf(change)
  const assignee = fieldTarget(target, 'shifts', 'assignee')
  if (assignee !== undefined) return judgeAssignee(facts, self, assignee.id, change, rules)
  const notes = fieldTarget(target, 'shifts', 'notes')
  if (notes !== undefined) {
    if (!rules.selfService.notes) return deny('this team does not let staff write shift notes')
    const ownsIt = shiftOf(facts, notes.id)?.assignee === self || mine.has(notes.id) || heldWithin(facts, self, notes.id, rules)
    if (!ownsIt) return deny(`staff may only write notes on their own shifts, not ${notes.id}`)
    return change.kind !== 'delete' && typeof change.value === 'string' ? allow : refuse(identity, change)
  }
  const timeOff = fieldTarget(target, 'staff', 'unavailable')
  if (timeOff !== undefined && timeOff.id === self) {
    if (!rules.selfService.addTimeOff) return deny('this team does not let staff add their own time off')
    if (change.kind !== 'insert') return deny('staff may only add dates to their own time off; a lead removes them')
    return insertedDates(change.value) ? allow : deny('time off is a list of YYYY-MM-DD dates')
  }
  return refuse(identity, change)
}

/**
 * One decision per change, in order: may `identity` make it, on the state `facts` describe, under the
 * team's `rules`? Pick-ups are judged first, so a note on a shift picked up in the same update is the
 * staff member's own only when the pick-up itself is allowed.
 */
export const judgeEach = (identity: Identity, facts: ScheduleFacts, changes: readonly Change[], rules: RoleRules = defaultRoleRules): Decision[] => {
  if (identity.role === 'admin') return changes.map(() => allow)
  if (identity.role === 'viewer') return changes.map(() => deny('viewer is read-only'))
  const decisions = new Array<Decision | undefined>(changes.length)
  const mine = new Set<string>()
  const decide = (i: number): Decision => {
    const change = changes[i]!
    if (roleAtLeast(identity.role, rules[areaOf(change)])) return allow
    return judgeSelf(identity, facts, change, mine, rules)
  }
  changes.forEach((change, i) => {
    const assignee = fieldTarget(targetOf(change), 'shifts', 'assignee')
    if (assignee === undefined) return
    decisions[i] = decide(i)
    if (decisions[i]!.ok && newAssignee(change) === identity.staffId) mine.add(assignee.id)
  })
  return changes.map((_, i) => decisions[i] ?? decide(i))
}

/** The first refusal among the changes, or allow (REST ops, which are refused whole). */
export const judgeChanges = (identity: Identity, facts: ScheduleFacts, changes: readonly Change[], rules: RoleRules = defaultRoleRules): Decision =>
  judgeEach(identity, facts, changes, rules).find((decision) => !decision.ok) ?? allow
