import { addDays, type DateRange, type ScheduleJSON } from '@rota/model'
import { violations, type Conflict, type Violation } from '@rota/resolver'
import { inRange } from './range.ts'

/** What a preview asks the resolver about a document, when it runs: the open conflicts. */
export type ConflictSource = (doc: string) => Promise<ReadonlyArray<Pick<Conflict, 'id' | 'kind' | 'refs'>>>

export interface ConflictSummary {
  id: string
  kind: string
  shifts: string[]
  staff: string[]
}

const shiftsIn = (schedule: ScheduleJSON, ids: readonly string[], range: DateRange): boolean =>
  ids.some((id) => {
    const shift = schedule.shifts[id]
    return shift !== undefined && inRange(shift.date, range)
  })

/** Open conflicts touching the range: one of their shifts is dated in it, or their coverage date is. */
export const conflictsIn = async (source: ConflictSource | undefined, doc: string, schedule: ScheduleJSON, range: DateRange): Promise<ConflictSummary[]> => {
  if (source === undefined) return []
  return (await source(doc))
    .filter((c) => shiftsIn(schedule, c.refs.shifts, range) || (c.refs.coverage !== null && inRange(c.refs.coverage.date, range)))
    .map((c) => ({ id: c.id, kind: c.kind, shifts: [...c.refs.shifts], staff: [...c.refs.staff] }))
}

const touchesRange = (v: Violation, schedule: ScheduleJSON, range: DateRange): boolean => {
  switch (v.kind) {
    case 'coverage_shortfall': return inRange(v.coverage.date, range)
    case 'max_hours_exceeded': return v.week <= range.to && addDays(v.week, 6) >= range.from
    case 'double_booking': return shiftsIn(schedule, v.shifts, range)
    // Working-time rules: a day's hours by their date, the others by their shifts.
    case 'day_too_long': return inRange(v.date, range)
    case 'rest_too_short':
    case 'too_many_consecutive_days': return shiftsIn(schedule, v.shifts, range)
    default: return shiftsIn(schedule, [v.shift], range)
  }
}

/** The schedule rules the state breaks in the range (the resolver's rules, on @rota/model's queries). */
export const violationsIn = (schedule: ScheduleJSON, range: DateRange): Violation[] =>
  [...violations(schedule).values()].filter((v) => touchesRange(v, schedule, range))
