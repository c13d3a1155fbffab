/**
 * Working-time rules (settings.workRules): the one definition of each, used by the week grid, the
 * resolver and the publish preview. Built on queries.ts's intervals (naive wall clock, see time.ts: a day
 * is 1440 minutes; settings.timezone is not applied, as for weekly hours) and lenient throughout: a shift
 * with a malformed date or time counts for nothing, nothing throws.
 *
 * The primitives take the shifts to look at from the caller (like `staffedDuring`), so a caller with an
 * index of shifts by person and day (the resolver) passes only the days a rule can reach; the
 * schedule-wide query `workRuleBreaches` runs them over a whole schedule.
 */
import { type ScheduleJSON, type ShiftJSON, type StaffJSON, type WorkLimit, type WorkRules, isDate } from './schema.ts'
import { shiftIntervalOrNull } from './queries.ts'
import { type Interval, MINUTES_PER_DAY, addDays, dateOfDay, dayNumber } from './time.ts'

/**
 * The limit that applies to `role` (a person's `staff.role`; for shift length, the shift's role), in the
 * rule's unit (hours, or days), or null when none: a role's own value (null waives the rule for that role),
 * else the team's.
 */
export const workLimit = (rules: WorkRules | undefined, limit: WorkLimit, role: string | undefined): number | null => {
  const own = role === undefined ? undefined : rules?.roles?.[role]
  if (own && Object.hasOwn(own, limit)) return own[limit] ?? null
  return rules?.[limit] ?? null
}

/** Whether some minutes exceed a limit in hours; reaching it exactly is fine. */
export const overLimit = (minutes: number, hours: number): boolean => minutes > hours * 60 + 1e-9

/** Whether a rest of `minutes` is shorter than a minimum in hours; exactly the minimum is enough. */
export const underRest = (minutes: number, hours: number): boolean => minutes < hours * 60 - 1e-9

/** A shift with its id and interval; what the primitives compare. */
export interface RuleShift extends Interval {
  id: string
}

/** Orders shifts as shiftsOf does: by start, then end, then id. */
export const byStartOrder = (a: RuleShift, b: RuleShift): number => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** A shift with its interval, or null when its date or a time is malformed. */
export const ruleShift = (id: string, shift: Pick<ShiftJSON, 'date' | 'start' | 'end'>): RuleShift | null => {
  const interval = shiftIntervalOrNull(shift)
  return interval && { id, ...interval }
}

export interface RestBreak {
  /** The shift before the rest (of those starting earlier, the one that ends last). */
  before: string
  after: string
  /** From the end of `before` to the start of `after`; 0 for back-to-back shifts. */
  minutes: number
}

/**
 * The rest a person has before `shift`: from the latest end among their shifts that come before it (by
 * start, end, id) to its start. None when no shift comes before it, or when the latest of those overlaps
 * it (that is a double booking, not a short rest). Back-to-back shifts are a rest of 0 minutes.
 * `others` must hold every shift of the person dated up to 8 days before `shift`'s date (a rest can be
 * at most 168 hours, a shift at most 24); more do no harm.
 */
export const restBefore = (shift: RuleShift, others: Iterable<RuleShift>): RestBreak | null => {
  let prev: RuleShift | null = null
  for (const other of others) {
    if (other.id === shift.id || byStartOrder(other, shift) >= 0) continue
    if (prev === null || other.end > prev.end || (other.end === prev.end && byStartOrder(other, prev) > 0)) prev = other
  }
  if (prev === null || prev.end > shift.start) return null
  return { before: prev.id, after: shift.id, minutes: shift.start - prev.end }
}

/** How far back (in dates) `restBefore` needs a person's shifts. */
export const REST_LOOKBACK_DAYS = 8

/** A shift's minutes on each date it touches, split at midnight (22:00–06:00 is 2 h on its date, 6 h on the next). */
export const shiftDayMinutes = (shift: Pick<ShiftJSON, 'date' | 'start' | 'end'>): Array<{ date: string; minutes: number }> => {
  const interval = shiftIntervalOrNull(shift)
  if (interval === null) return []
  const out: Array<{ date: string; minutes: number }> = []
  for (let from = interval.start; from < interval.end; ) {
    const day = Math.floor(from / MINUTES_PER_DAY)
    const to = Math.min(interval.end, (day + 1) * MINUTES_PER_DAY)
    out.push({ date: dateOfDay(day), minutes: to - from })
    from = to
  }
  return out
}

/** Minutes worked on `date` by the given shifts (pass at least those dated that day and the day before). */
export const minutesOnDate = (shifts: Iterable<Pick<ShiftJSON, 'date' | 'start' | 'end'>>, date: string): number => {
  let minutes = 0
  for (const shift of shifts) for (const d of shiftDayMinutes(shift)) if (d.date === date) minutes += d.minutes
  return minutes
}

export interface WorkingRun {
  /** First and last date of the run, both worked. */
  from: string
  to: string
  days: number
}

/**
 * The run of consecutive working days that starts on `from`, or null when `from` is not the first day of
 * a run (not worked, or the day before is). A working day is a date on which the person starts a shift
 * (the shift's `date`), so a week of nights counts its nights, not the mornings they end on. Runs are
 * followed for at most `maxDays` + 1 days (enough to tell that a run is longer than `maxDays`); `days`
 * is then `maxDays` + 1.
 */
export const runFrom = (worksOn: (date: string) => boolean, from: string, maxDays = Number.POSITIVE_INFINITY): WorkingRun | null => {
  if (!isDate(from) || !worksOn(from) || worksOn(addDays(from, -1))) return null
  let to = from
  let days = 1
  while (days <= maxDays && worksOn(addDays(to, 1))) {
    to = addDays(to, 1)
    days++
  }
  return { from, to, days }
}

/** The first day of the run holding `date`, or null when `date` is not worked. */
export const runStartOf = (worksOn: (date: string) => boolean, date: string): string | null => {
  if (!isDate(date) || !worksOn(date)) return null
  let from = date
  while (worksOn(addDays(from, -1))) from = addDays(from, -1)
  return from
}

export type WorkBreach =
  | { rule: 'minRestHours'; staffId: string; shifts: [string, string]; hours: number; limit: number }
  | { rule: 'maxConsecutiveDays'; staffId: string; from: string; to: string; days: number; limit: number; shifts: string[] }
  | { rule: 'maxShiftHours'; shiftId: string; staffId: string | null; hours: number; limit: number }
  | { rule: 'maxDayHours'; staffId: string; date: string; hours: number; limit: number; shifts: string[] }

/** The shifts whose breach it is (for marking them in a grid). */
export const breachShifts = (b: WorkBreach): string[] => {
  switch (b.rule) {
    case 'minRestHours': return [...b.shifts]
    case 'maxShiftHours': return [b.shiftId]
    default: return b.shifts
  }
}

/** A breach in words, for a tooltip or an accessible name. */
export const describeBreach = (b: WorkBreach): string => {
  const h = (x: number): string => `${Math.round(x * 100) / 100} h`
  switch (b.rule) {
    case 'minRestHours': return `rest of ${h(b.hours)} between two shifts, below the minimum of ${h(b.limit)}`
    case 'maxConsecutiveDays': return `${b.days} working days in a row (${b.from} to ${b.to}), above the maximum of ${b.limit}`
    case 'maxShiftHours': return `a ${h(b.hours)} shift, above the maximum of ${h(b.limit)}`
    case 'maxDayHours': return `${h(b.hours)} on ${b.date}, above the maximum of ${h(b.limit)} a day`
  }
}

const roleOf = (staff: StaffJSON | undefined): string | undefined => staff?.role

/**
 * Every breach of `settings.workRules` in a schedule (optionally of one person): shifts too long (assigned
 * or not), rests too short, runs of working days too long, days too long (these three only for assignees
 * who are staff: any other is a dangling reference). Shift length first, then per person, by rule.
 */
export const workRuleBreaches = (schedule: ScheduleJSON, options: { staffId?: string } = {}): WorkBreach[] => {
  const rules = schedule.settings.workRules
  if (!rules) return []
  const out: WorkBreach[] = []
  const byPerson = new Map<string, Array<{ id: string; shift: ShiftJSON }>>()
  for (const [id, shift] of Object.entries(schedule.shifts)) {
    const who = shift.assignee
    if (options.staffId !== undefined && who !== options.staffId) continue
    const timed = ruleShift(id, shift)
    const max = workLimit(rules, 'maxShiftHours', shift.role)
    if (timed && max !== null && overLimit(timed.end - timed.start, max)) {
      out.push({ rule: 'maxShiftHours', shiftId: id, staffId: who, hours: (timed.end - timed.start) / 60, limit: max })
    }
    // An assignee who is not staff is a dangling reference, not judged by the person's rules.
    if (who !== null && schedule.staff[who]) byPerson.set(who, [...(byPerson.get(who) ?? []), { id, shift }])
  }
  for (const [who, list] of [...byPerson].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(...personBreaches(rules, who, roleOf(schedule.staff[who]), list))
  return out
}

const personBreaches = (rules: WorkRules, who: string, role: string | undefined, list: Array<{ id: string; shift: ShiftJSON }>): WorkBreach[] => {
  const out: WorkBreach[] = []
  const timed = list.flatMap(({ id, shift }) => ruleShift(id, shift) ?? []).sort(byStartOrder)
  const rest = workLimit(rules, 'minRestHours', role)
  if (rest !== null) {
    for (const shift of timed) {
      const gap = restBefore(shift, timed)
      if (gap && underRest(gap.minutes, rest)) out.push({ rule: 'minRestHours', staffId: who, shifts: [gap.before, gap.after], hours: gap.minutes / 60, limit: rest })
    }
  }
  const dates = new Map<string, string[]>()
  for (const { id, shift } of list) if (isDate(shift.date)) dates.set(shift.date, [...(dates.get(shift.date) ?? []), id])
  const maxDays = workLimit(rules, 'maxConsecutiveDays', role)
  if (maxDays !== null) {
    const worksOn = (d: string): boolean => dates.has(d)
    for (const date of [...dates.keys()].sort()) {
      const run = runFrom(worksOn, date)
      if (!run || run.days <= maxDays) continue
      const shifts = Array.from({ length: run.days }, (_, i) => dates.get(addDays(run.from, i)) ?? []).flat().sort()
      out.push({ rule: 'maxConsecutiveDays', staffId: who, ...run, limit: maxDays, shifts })
    }
  }
  const maxDay = workLimit(rules, 'maxDayHours', role)
  if (maxDay !== null) {
    const perDay = new Map<string, { minutes: number; shifts: string[] }>()
    for (const { id, shift } of list) {
      for (const { date, minutes } of shiftDayMinutes(shift)) {
        const day = perDay.get(date) ?? { minutes: 0, shifts: [] }
        day.minutes += minutes
        day.shifts.push(id)
        perDay.set(date, day)
      }
    }
    for (const [date, day] of [...perDay].sort(([a], [b]) => dayNumber(a) - dayNumber(b))) {
      if (overLimit(day.minutes, maxDay)) out.push({ rule: 'maxDayHours', staffId: who, date, hours: day.minutes / 60, limit: maxDay, shifts: day.shifts.sort() })
    }
  }
  return out
}
