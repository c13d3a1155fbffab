/**
 * The merged state's violations, kept by slot (rules.ts) and re-checked only where a changed record can
 * have changed them: a shift's own slots, its assignee's weeks and the coverage of the days around it,
 * before and after the change; a person's shifts; everything only when the settings change what a week
 * or a coverage rule is.
 */
import { isDate, REST_LOOKBACK_DAYS, runStartOf, shiftDayMinutes, type SettingsJSON, type ShiftJSON, type StaffJSON } from '@rota/model'
import type { ScheduleIndex } from './indexes.ts'
import { addDays, weekMinutesOf } from './time.ts'
import { slotKey, slotOf, slotViolations, type Slot, type Violation } from './rules.ts'
import { conflictKinds } from './types.ts'

/** A record of the merged state that an update changed (the indexes already hold `after`). */
export type RecordChange =
  | { kind: 'shift'; id: string; before: ShiftJSON | undefined; after: ShiftJSON | undefined }
  | { kind: 'staff'; id: string; before: StaffJSON | undefined; after: StaffJSON | undefined }
  | { kind: 'settings'; before: SettingsJSON; after: SettingsJSON }

const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b)

/** The slots some changes can have changed, each once, given the index after them. */
export const slotsOfAll = (index: ScheduleIndex, held: ViolationIndex, changes: RecordChange[]): Slot[] => {
  const out = new Map<string, Slot>()
  for (const change of changes) {
    for (const slot of slotsOf(index, change)) out.set(slotKey(slot), slot)
    // What a settings change redefines (weeks, coverage rules) is checked again where it held, too: the
    // index after the change no longer names the old weeks, nor the dates whose shifts went meanwhile.
    if (change.kind !== 'settings') continue
    const weeks = change.before.weekStartsOn !== change.after.weekStartsOn
    const rules = !same(change.before.coverage, change.after.coverage)
    const work = !same(change.before.workRules, change.after.workRules)
    for (const v of held.all.values()) {
      if ((weeks && v.kind === 'max_hours_exceeded') || (rules && v.kind === 'coverage_shortfall') || (work && workKinds.has(v.kind))) out.set(slotKey(slotOf(v)), slotOf(v))
    }
  }
  return [...out.values()]
}

const workKinds = new Set<string>(['rest_too_short', 'too_many_consecutive_days', 'shift_too_long', 'day_too_long'])

/**
 * The working-time slots a person's shift dated `date` (before or after a change) can have changed:
 * the rests of their shifts up to REST_LOOKBACK_DAYS later (this one can be the shift before them), the
 * runs of working days around the date (joined or split: the runs holding the day before and the day,
 * and runs starting on the day or the day after), and the dates the shift has minutes on.
 */
const workSlots = (index: ScheduleIndex, shift: ShiftJSON, out: Slot[]): void => {
  const who = shift.assignee
  if (who === null || !isDate(shift.date)) return
  for (let d = 0; d <= REST_LOOKBACK_DAYS; d++) for (const id of index.shiftsOn(who, addDays(shift.date, d))) out.push({ kind: 'rest', id })
  const worksOn = (date: string): boolean => {
    for (const _ of index.shiftsOn(who, date)) return true
    return false
  }
  const starts = [runStartOf(worksOn, addDays(shift.date, -1)), runStartOf(worksOn, shift.date), shift.date, addDays(shift.date, 1)]
  for (const date of starts) if (date !== null) out.push({ kind: 'run', person: who, date })
  for (const { date } of shiftDayMinutes(shift)) out.push({ kind: 'day', person: who, date })
}

/** Every working-time slot of one person (their role, or whether they exist, changed). */
const personWorkSlots = (index: ScheduleIndex, who: string, out: Slot[]): void => {
  for (const id of index.shiftsOf(who)) out.push({ kind: 'rest', id })
  for (const date of index.datesOf(who)) out.push({ kind: 'run', person: who, date }, { kind: 'day', person: who, date }, { kind: 'day', person: who, date: addDays(date, 1) })
}

const changed = <T extends object>(before: T | undefined, after: T | undefined, fields: Array<keyof T>): boolean =>
  (before === undefined) !== (after === undefined) || fields.some((f) => !same(before?.[f], after?.[f]))

/** The slots a change can have changed, given the index after it. */
const slotsOf = (index: ScheduleIndex, change: RecordChange): Slot[] => {
  const out: Slot[] = []
  const { weekStartsOn, coverage, workRules } = index.settings()
  const covered = new Set(coverage.map((r) => r.role))
  // Without working-time rules no working-time slot can hold a violation (most teams: most of the slots an edit
  // touches); setting the rules re-checks every one of them (the settings case below).
  const work = workRules !== undefined
  const weeks = (shift: ShiftJSON | undefined): void => {
    if (shift?.assignee != null) for (const w of weekMinutesOf(shift, weekStartsOn)) out.push({ kind: 'hours', person: shift.assignee, week: w.weekStart })
  }
  // A date's coverage counts the shifts of the day before and the day after too.
  const days = (shift: ShiftJSON | undefined): void => {
    if (shift && isDate(shift.date) && covered.has(shift.role)) for (const d of [-1, 0, 1]) out.push({ kind: 'coverage', date: addDays(shift.date, d), role: shift.role })
  }
  switch (change.kind) {
    case 'shift': {
      const { id, before, after } = change
      if (changed(before, after, ['assignee', 'date', 'role', 'requiredSkill'])) out.push({ kind: 'shift', id })
      if (changed(before, after, ['assignee', 'date', 'start', 'end'])) {
        out.push({ kind: 'booking', id })
        if (work) out.push({ kind: 'rest', id })
        weeks(before)
        weeks(after)
        if (before && work) workSlots(index, before, out)
        if (after && work) workSlots(index, after, out)
      }
      if (work && changed(before, after, ['assignee', 'date', 'start', 'end', 'role'])) out.push({ kind: 'length', id })
      if (changed(before, after, ['assignee', 'date', 'start', 'end', 'role'])) {
        days(before)
        days(after)
      }
      return out
    }
    case 'staff': {
      const { before, after } = change
      const exists = (before === undefined) !== (after === undefined)
      const role = exists || before?.role !== after?.role
      if (!changed(before, after, ['role', 'skills', 'unavailable', 'maxHoursPerWeek'])) return out
      for (const id of index.shiftsOf(change.id)) {
        out.push({ kind: 'shift', id })
        if (exists) out.push({ kind: 'booking', id })
        if (role) days(index.shift(id))
      }
      if (exists || before?.maxHoursPerWeek !== after?.maxHoursPerWeek) for (const week of index.weeksOf(change.id)) out.push({ kind: 'hours', person: change.id, week })
      // Working-time limits follow the person's role.
      if (role && work) personWorkSlots(index, change.id, out)
      return out
    }
    case 'settings': {
      const { before, after } = change
      if (before.weekStartsOn !== after.weekStartsOn) for (const person of index.people()) for (const week of index.weeksOf(person)) out.push({ kind: 'hours', person, week })
      if (!same(before.coverage, after.coverage)) {
        const roles = new Set([...before.coverage, ...after.coverage].map((r) => r.role))
        for (const date of index.dates()) for (const role of roles) out.push({ kind: 'coverage', date, role })
      }
      if (!same(before.workRules, after.workRules)) {
        // New limits: every shift's length and every person's rests, runs and days (rare: a settings change).
        for (const person of index.assignees()) personWorkSlots(index, person, out)
        for (const id of index.shiftIds()) out.push({ kind: 'length', id })
      }
      return out
    }
  }
}

const kindRank = new Map<string, number>(conflictKinds.map((k, i) => [k, i]))

/** New violations in a stable order: by kind, then key. */
const byKindAndKey = (a: Violation, b: Violation): number =>
  (kindRank.get(a.kind) ?? 0) - (kindRank.get(b.kind) ?? 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

export class ViolationIndex {
  readonly all = new Map<string, Violation>()
  /** Keys by slot; a double booking is in the booking slots of both its shifts. */
  private readonly bySlot = new Map<string, Set<string>>()
  /** Slots whose checks changed since the last `takeAdded` (what detection looks at). */
  private added = new Set<string>()
  private removedHere = new Set<string>()

  private link(slot: string, key: string): void {
    const set = this.bySlot.get(slot)
    if (set) set.add(key)
    else this.bySlot.set(slot, new Set([key]))
  }

  private unlink(slot: string, key: string): void {
    const set = this.bySlot.get(slot)
    set?.delete(key)
    if (set?.size === 0) this.bySlot.delete(slot)
  }

  /** Checks one slot again on the merged index. */
  recheck(index: ScheduleIndex, slot: Slot): void {
    const name = slotKey(slot)
    for (const key of [...(this.bySlot.get(name) ?? [])]) {
      const v = this.all.get(key)
      this.all.delete(key)
      this.removedHere.add(key)
      this.unlink(name, key)
      if (v?.kind === 'double_booking') for (const id of v.shifts) this.unlink(slotKey({ kind: 'booking', id }), key)
    }
    for (const v of slotViolations(index, slot)) {
      if (!this.all.has(v.key) && !this.removedHere.has(v.key)) this.added.add(v.key)
      this.all.set(v.key, v)
      if (v.kind === 'double_booking') for (const id of v.shifts) this.link(slotKey({ kind: 'booking', id }), v.key)
      else this.link(name, v.key)
    }
  }

  /** The violations that hold now and did not before the changes since the last call, by kind and key. */
  takeAdded(): Violation[] {
    const out = [...this.added].flatMap((key) => this.all.get(key) ?? []).sort(byKindAndKey)
    this.added = new Set()
    this.removedHere = new Set()
    return out
  }
}
