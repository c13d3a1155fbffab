/**
 * The merged state of one document as the rules need it, kept current from each update's changed records
 * (never rebuilt): the records, shifts by person and day, shifts by role and day (what coverage counts),
 * and minutes by person and week (@rota/model's shiftWeekMinutes, summed). `fromJSON` computes the same
 * from scratch; the property test in indexes.test.ts holds the two equal after any sequence of updates.
 */
import { defaultSettings, type ScheduleJSON, type SettingsJSON, type ShiftJSON, type StaffJSON } from '@rota/model'
import { weekMinutesOf } from './time.ts'
import type { ScheduleSource } from './source.ts'

type Nested = Map<string, Map<string, Set<string>>>

const addNested = (index: Nested, a: string, b: string, id: string): void => {
  let inner = index.get(a)
  if (!inner) index.set(a, (inner = new Map()))
  const set = inner.get(b)
  if (set) set.add(id)
  else inner.set(b, new Set([id]))
}

const removeNested = (index: Nested, a: string, b: string, id: string): void => {
  const inner = index.get(a)
  const set = inner?.get(b)
  if (!inner || !set) return
  set.delete(id)
  if (set.size === 0) inner.delete(b)
  if (inner.size === 0) index.delete(a)
}

const sortedObject = <T>(entries: Iterable<[string, T]>): Record<string, T> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

export class ScheduleIndex implements ScheduleSource {
  private readonly staffById = new Map<string, StaffJSON>()
  private readonly shiftById = new Map<string, ShiftJSON>()
  private current: SettingsJSON = defaultSettings()
  private readonly byPersonDay: Nested = new Map()
  private readonly byRoleDay: Nested = new Map()
  private readonly minutes = new Map<string, Map<string, number>>()

  static fromJSON(schedule: ScheduleJSON): ScheduleIndex {
    const index = new ScheduleIndex()
    index.setSettings(schedule.settings)
    for (const [id, s] of Object.entries(schedule.staff)) index.setStaff(id, s)
    for (const [id, s] of Object.entries(schedule.shifts)) index.setShift(id, s)
    return index
  }

  shift(id: string): ShiftJSON | undefined {
    return this.shiftById.get(id)
  }

  staff(id: string): StaffJSON | undefined {
    return this.staffById.get(id)
  }

  settings(): SettingsJSON {
    return this.current
  }

  shiftsOn(person: string, date: string): Iterable<string> {
    return this.byPersonDay.get(person)?.get(date) ?? []
  }

  roleShiftsOn(role: string, date: string): Iterable<string> {
    return this.byRoleDay.get(role)?.get(date) ?? []
  }

  *shiftsOf(person: string): Iterable<string> {
    for (const ids of this.byPersonDay.get(person)?.values() ?? []) yield* ids
  }

  weekMinutes(person: string, weekStart: string): number {
    return this.minutes.get(person)?.get(weekStart) ?? 0
  }

  /** The weeks `person` has minutes in. */
  weeksOf(person: string): Iterable<string> {
    return this.minutes.get(person)?.keys() ?? []
  }

  shiftIds(): Iterable<string> {
    return this.shiftById.keys()
  }

  /** Every person with a shift assigned, and the dates of their shifts (what working-time rules walk). */
  assignees(): Iterable<string> {
    return this.byPersonDay.keys()
  }

  datesOf(person: string): Iterable<string> {
    return this.byPersonDay.get(person)?.keys() ?? []
  }

  /** Every person with minutes, and every date with a shift (what a settings change re-checks). */
  people(): Iterable<string> {
    return this.minutes.keys()
  }

  *dates(): Iterable<string> {
    const seen = new Set<string>()
    for (const byDay of this.byRoleDay.values()) {
      for (const date of byDay.keys()) {
        if (seen.has(date)) continue
        seen.add(date)
        yield date
      }
    }
  }

  private count(shift: ShiftJSON, sign: 1 | -1): void {
    if (shift.assignee === null) return
    let perWeek = this.minutes.get(shift.assignee)
    if (!perWeek) this.minutes.set(shift.assignee, (perWeek = new Map()))
    for (const { weekStart, minutes } of weekMinutesOf(shift, this.current.weekStartsOn)) {
      const next = (perWeek.get(weekStart) ?? 0) + sign * minutes
      if (next === 0) perWeek.delete(weekStart)
      else perWeek.set(weekStart, next)
    }
    if (perWeek.size === 0) this.minutes.delete(shift.assignee)
  }

  /** Replaces (or removes) a shift; returns what it was. */
  setShift(id: string, shift: ShiftJSON | undefined): ShiftJSON | undefined {
    const old = this.shiftById.get(id)
    if (old) {
      if (old.assignee !== null) removeNested(this.byPersonDay, old.assignee, old.date, id)
      removeNested(this.byRoleDay, old.role, old.date, id)
      this.count(old, -1)
    }
    if (shift) {
      this.shiftById.set(id, shift)
      if (shift.assignee !== null) addNested(this.byPersonDay, shift.assignee, shift.date, id)
      addNested(this.byRoleDay, shift.role, shift.date, id)
      this.count(shift, 1)
    } else {
      this.shiftById.delete(id)
    }
    return old
  }

  setStaff(id: string, staff: StaffJSON | undefined): StaffJSON | undefined {
    const old = this.staffById.get(id)
    if (staff) this.staffById.set(id, staff)
    else this.staffById.delete(id)
    return old
  }

  setSettings(settings: SettingsJSON): SettingsJSON {
    const old = this.current
    this.current = settings
    if (old.weekStartsOn !== settings.weekStartsOn) {
      // Weeks start elsewhere now: every person's weeks are counted again (rare: a settings change).
      this.minutes.clear()
      for (const shift of this.shiftById.values()) this.count(shift, 1)
    }
    return old
  }

  /** The merged schedule as JSON; records are never changed in place, so this is a snapshot. */
  json(): ScheduleJSON {
    return { staff: sortedObject(this.staffById), shifts: sortedObject(this.shiftById), settings: this.current }
  }

  /** The derived indexes as plain sorted JSON, for comparing an incremental index with a from-scratch one. */
  describe(): Record<string, unknown> {
    const nested = (index: Nested) => sortedObject([...index].map(([a, inner]) => [a, sortedObject([...inner].map(([b, ids]) => [b, [...ids].sort()]))]))
    return {
      byPersonDay: nested(this.byPersonDay),
      byRoleDay: nested(this.byRoleDay),
      minutes: sortedObject([...this.minutes].map(([person, weeks]) => [person, sortedObject(weeks)])),
    }
  }
}
