/**
 * What the rules read a schedule through (rules.ts): the merged state's incremental indexes
 * (indexes.ts), or an author's view read record by record where a rule needs it (ViewSource).
 */
import type { SettingsJSON, ShiftJSON, StaffJSON } from '@rota/model'
import { addDays, weekMinutesOf } from './time.ts'
import type { StateReader } from './reader.ts'

export interface ScheduleSource {
  shift(id: string): ShiftJSON | undefined
  staff(id: string): StaffJSON | undefined
  settings(): SettingsJSON
  /** Ids of the shifts dated `date` assigned to `person`. */
  shiftsOn(person: string, date: string): Iterable<string>
  /** Ids of the shifts of `role` dated `date`. */
  roleShiftsOn(role: string, date: string): Iterable<string>
  /** Ids of every shift assigned to `person`. */
  shiftsOf(person: string): Iterable<string>
  /** Minutes `person` works in the week starting `weekStart` (@rota/model's shiftWeekMinutes, summed). */
  weekMinutes(person: string, weekStart: string): number
}

/** A week's minutes from the shifts dated the day before it up to its last day (a shift is at most 24 hours). */
const weekMinutesFrom = (source: ScheduleSource, person: string, weekStart: string): number => {
  const weekStartsOn = source.settings().weekStartsOn
  let minutes = 0
  for (let d = -1; d < 7; d++) {
    for (const id of source.shiftsOn(person, addDays(weekStart, d))) {
      const shift = source.shift(id)
      for (const w of shift ? weekMinutesOf(shift, weekStartsOn) : []) if (w.weekStart === weekStart) minutes += w.minutes
    }
  }
  return minutes
}

const addTo = (index: Map<string, Set<string>>, key: string, id: string): void => {
  const set = index.get(key)
  if (set) set.add(id)
  else index.set(key, new Set([id]))
}

/**
 * Every shift that ever held an assignee, a date or a role, from every value any update wrote: the
 * candidates a view's query has to read (a view can hold a value the merged state never showed). Grows with
 * the distinct values written, not with the number of updates.
 */
export class EverIndex {
  private readonly byAssignee = new Map<string, Set<string>>()
  private readonly byDate = new Map<string, Set<string>>()
  private readonly byRole = new Map<string, Set<string>>()

  /** Notes a value written to a shift field (a struct of an update), or a whole record's. */
  note(shiftId: string, field: string, value: unknown): void {
    if (typeof value !== 'string') return
    if (field === 'assignee') addTo(this.byAssignee, value, shiftId)
    else if (field === 'date') addTo(this.byDate, value, shiftId)
    else if (field === 'role') addTo(this.byRole, value, shiftId)
  }

  noteRecord(shiftId: string, shift: ShiftJSON): void {
    for (const field of ['assignee', 'date', 'role'] as const) this.note(shiftId, field, shift[field])
  }

  assigned(person: string): Iterable<string> {
    return this.byAssignee.get(person) ?? []
  }

  /** The smaller of two candidate sets, as the ids to read. */
  both(a: 'assignee' | 'role', value: string, date: string): Iterable<string> {
    const first = (a === 'assignee' ? this.byAssignee : this.byRole).get(value)
    const second = this.byDate.get(date)
    if (!first || !second) return []
    return first.size <= second.size ? first : second
  }
}

/** An author's view as a ScheduleSource: each record read from the document as that view holds it, once. */
export class ViewSource implements ScheduleSource {
  private readonly shifts = new Map<string, ShiftJSON | undefined>()
  private readonly people = new Map<string, StaffJSON | undefined>()
  private settingsRead: SettingsJSON | undefined

  constructor(readonly reader: StateReader, private readonly ever: EverIndex) {}

  shift(id: string): ShiftJSON | undefined {
    if (!this.shifts.has(id)) this.shifts.set(id, this.reader.record('shifts', id))
    return this.shifts.get(id)
  }

  staff(id: string): StaffJSON | undefined {
    if (!this.people.has(id)) this.people.set(id, this.reader.record('staff', id))
    return this.people.get(id)
  }

  settings(): SettingsJSON {
    return (this.settingsRead ??= this.reader.settings())
  }

  *shiftsOn(person: string, date: string): Iterable<string> {
    for (const id of this.ever.both('assignee', person, date)) {
      const s = this.shift(id)
      if (s?.assignee === person && s.date === date) yield id
    }
  }

  *roleShiftsOn(role: string, date: string): Iterable<string> {
    for (const id of this.ever.both('role', role, date)) {
      const s = this.shift(id)
      if (s?.role === role && s.date === date) yield id
    }
  }

  *shiftsOf(person: string): Iterable<string> {
    for (const id of this.ever.assigned(person)) if (this.shift(id)?.assignee === person) yield id
  }

  weekMinutes(person: string, weekStart: string): number {
    return weekMinutesFrom(this, person, weekStart)
  }
}
