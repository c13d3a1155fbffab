/**
 * Queries on a schedule's JSON (so they run on any reconstructed view, not only a live Y.Doc).
 * Time is naive wall-clock time (see time.ts): no time zones, no DST.
 */
import { ModelError, ModelErrorCode } from './errors.ts'
import { type CoverageRule, type ScheduleJSON, type ShiftJSON, type StaffJSON, type Weekday, WEEKDAYS, checkCoverageRule, isDate, isTime } from './schema.ts'
import { type Interval, MINUTES_PER_DAY, checkDate, dateOfDay, dayNumber, weekStartDay, windowInterval } from './time.ts'

/** A shift with its id and its interval in instants (minutes since 1970-01-01 00:00, naive wall clock). */
export interface TimedShift extends Interval {
  id: string
  shift: ShiftJSON
}

/** An inclusive range of dates. */
export interface DateRange {
  from: string
  to: string
}

/** [start, end) of a shift; an end at or before the start is on the next day (so start = end is 24 hours). */
export const shiftInterval = (shift: Pick<ShiftJSON, 'date' | 'start' | 'end'>): Interval => windowInterval(shift.date, shift.start, shift.end)

/**
 * The lenient variant, for states no validator saw (a lenient read falls back to '' for a missing date or
 * time): the interval, or null when the date or a time is malformed. Never throws, never NaN.
 */
export const shiftIntervalOrNull = (shift: Pick<ShiftJSON, 'date' | 'start' | 'end'>): Interval | null =>
  isDate(shift.date) && isTime(shift.start) && isTime(shift.end) ? shiftInterval(shift) : null

/** Minutes two intervals share; back-to-back intervals (one ends as the other starts) share none. */
export const overlapMinutes = (a: Interval, b: Interval): number => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start))

/** Length of a shift in minutes. */
export const shiftMinutes = (shift: Pick<ShiftJSON, 'date' | 'start' | 'end'>): number => {
  const { start, end } = shiftInterval(shift)
  return end - start
}

/** The dates a shift touches (one, or two when it crosses midnight; a shift ending at 00:00 touches one). */
export const shiftDates = (shift: Pick<ShiftJSON, 'date' | 'start' | 'end'>): string[] => {
  const { start, end } = shiftInterval(shift)
  const first = Math.floor(start / MINUTES_PER_DAY)
  const last = Math.floor((end - 1) / MINUTES_PER_DAY)
  return Array.from({ length: last - first + 1 }, (_, i) => dateOfDay(first + i))
}

const checkRange = (range: DateRange): { from: number; to: number } => {
  const from = dayNumber(checkDate(range.from, 'from'))
  const to = dayNumber(checkDate(range.to, 'to'))
  if (to < from) throw new ModelError(ModelErrorCode.InvalidValue, `range: 'to' (${range.to}) is before 'from' (${range.from})`, { path: 'to' })
  return { from, to }
}

const timed = (id: string, shift: ShiftJSON): TimedShift => ({ id, shift, ...shiftInterval(shift) })
const byStart = (a: TimedShift, b: TimedShift): number => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * The shifts assigned to `staffId`, sorted by start; with `range`, only those whose date (the day they
 * start) is within it, both ends included.
 */
export const shiftsOf = (schedule: ScheduleJSON, staffId: string, range?: DateRange): TimedShift[] => {
  const days = range && checkRange(range)
  const out: TimedShift[] = []
  for (const [id, shift] of Object.entries(schedule.shifts)) {
    if (shift.assignee !== staffId) continue
    if (days) {
      const day = dayNumber(shift.date)
      if (day < days.from || day > days.to) continue
    }
    out.push(timed(id, shift))
  }
  return out.sort(byStart)
}

export interface WeekMinutes {
  /** The first day of the week, 'YYYY-MM-DD'. */
  weekStart: string
  minutes: number
}

/**
 * A shift's minutes in each week it touches, split at the week boundary (midnight at the start of the
 * first day of the week): a shift from Sunday 22:00 to Monday 06:00, weeks starting on Monday, is 2 hours in
 * one week and 6 in the next. This is the one definition of weekly hours (weeklyHours sums it; the
 * resolver keeps per-person sums of it). Lenient: a shift with a malformed date or time counts nothing.
 */
export const shiftWeekMinutes = (shift: Pick<ShiftJSON, 'date' | 'start' | 'end'>, weekStartsOn: Weekday): WeekMinutes[] => {
  const interval = shiftIntervalOrNull(shift)
  if (interval === null || !WEEKDAYS.includes(weekStartsOn)) return []
  const out: WeekMinutes[] = []
  for (let from = interval.start; from < interval.end; ) {
    const week = weekStartDay(Math.floor(from / MINUTES_PER_DAY), weekStartsOn)
    const to = Math.min(interval.end, (week + 7) * MINUTES_PER_DAY)
    out.push({ weekStart: dateOfDay(week), minutes: to - from })
    from = to
  }
  return out
}

export interface WeeklyHoursOptions {
  /** Default: the schedule's `settings.weekStartsOn`. */
  weekStartsOn?: Weekday
  /** Only this staff member. */
  staffId?: string
}

/**
 * Hours worked per staff member per week: `{ [staffId]: { [weekStart 'YYYY-MM-DD']: hours } }`.
 * A shift crossing a week boundary counts in both weeks, split at the boundary (midnight at the start of
 * the first day of the week). Only weeks with work appear. Assignees that are not staff are counted too.
 */
export const weeklyHours = (schedule: ScheduleJSON, options: WeeklyHoursOptions = {}): Record<string, Record<string, number>> => {
  const weekStartsOn = options.weekStartsOn ?? schedule.settings.weekStartsOn
  if (!WEEKDAYS.includes(weekStartsOn)) throw new ModelError(ModelErrorCode.InvalidValue, `weekStartsOn: expected one of ${WEEKDAYS.join(', ')}`, { path: 'weekStartsOn' })
  const minutes = new Map<string, Map<string, number>>()
  for (const shift of Object.values(schedule.shifts)) {
    const staffId = shift.assignee
    if (staffId === null || (options.staffId !== undefined && staffId !== options.staffId)) continue
    let perWeek = minutes.get(staffId)
    if (!perWeek) minutes.set(staffId, (perWeek = new Map()))
    for (const { weekStart, minutes: m } of shiftWeekMinutes(shift, weekStartsOn)) perWeek.set(weekStart, (perWeek.get(weekStart) ?? 0) + m)
  }
  const out: Record<string, Record<string, number>> = {}
  for (const [staffId, perWeek] of [...minutes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // 'YYYY-MM-DD' strings sort as their dates.
    out[staffId] = Object.fromEntries([...perWeek].sort(([a], [b]) => (a < b ? -1 : 1)).map(([week, m]) => [week, m / 60]))
  }
  return out
}

export interface OverHours {
  staffId: string
  weekStart: string
  hours: number
  maxHoursPerWeek: number
}

/** Staff weeks whose hours exceed the person's `maxHoursPerWeek`. */
export const overMaxHours = (schedule: ScheduleJSON, options: Omit<WeeklyHoursOptions, 'staffId'> = {}): OverHours[] => {
  const out: OverHours[] = []
  for (const [staffId, weeks] of Object.entries(weeklyHours(schedule, options))) {
    const staff = schedule.staff[staffId]
    if (!staff) continue
    for (const [weekStart, hours] of Object.entries(weeks)) {
      if (hours > staff.maxHoursPerWeek) out.push({ staffId, weekStart, hours, maxHoursPerWeek: staff.maxHoursPerWeek })
    }
  }
  return out
}

export interface Overlap {
  /** The shift that starts first (ties: the shorter, then the smaller id). */
  first: string
  second: string
  /** Minutes both shifts share. */
  minutes: number
}

/** Pairs of shifts assigned to `staffId` whose intervals overlap. Back-to-back shifts (one ends as the next starts) do not. */
export const overlapsOf = (schedule: ScheduleJSON, staffId: string): Overlap[] => {
  const shifts = shiftsOf(schedule, staffId)
  const out: Overlap[] = []
  for (let i = 0; i < shifts.length; i++) {
    const a = shifts[i]!
    for (let j = i + 1; j < shifts.length && shifts[j]!.start < a.end; j++) {
      const b = shifts[j]!
      out.push({ first: a.id, second: b.id, minutes: overlapMinutes(a, b) })
    }
  }
  return out
}

export interface CoverageResult {
  date: string
  rule: CoverageRule
  /** The fewest people of the rule's role present at any moment of the window. */
  staffed: number
  ok: boolean
  /** People missing at the worst moment: max(0, rule.min − staffed). */
  shortfall: number
}

/**
 * Coverage per day and rule: for each date of `range` and each rule (default: `settings.coverage`), the
 * fewest people present at any moment of the rule's window on that day (an end at or before the start
 * runs into the next day). A person counts while they are assigned to a shift of the rule's role and
 * their own role (in `staff`) is the rule's role; one person counts once even with overlapping shifts,
 * and back-to-back shifts keep them present across the handover.
 */
export const coverageOf = (schedule: ScheduleJSON, range: DateRange, rules: CoverageRule[] = schedule.settings.coverage): CoverageResult[] => {
  const days = checkRange(range)
  const checked = rules.map((rule, i) => checkCoverageRule(rule, `rules.${i}`))
  const out: CoverageResult[] = []
  const staffOf = (id: string): StaffJSON | undefined => schedule.staff[id]
  for (const rule of checked) {
    const presence = presenceByPerson(Object.values(schedule.shifts), staffOf, rule.role)
    for (let day = days.from; day <= days.to; day++) {
      const date = dateOfDay(day)
      const staffed = minimumPresent(presence, windowInterval(date, rule.start, rule.end))
      out.push({ date, rule, staffed, ok: staffed >= rule.min, shortfall: Math.max(0, rule.min - staffed) })
    }
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
}

/**
 * The people present at the fewest moment of `rule`'s window on `date` (coverageOf's `staffed`), counted
 * from `shifts` alone: any set of shifts that holds every one overlapping the window gives the same
 * answer, so a caller with an index of shifts by role and day (the resolver) passes only those days'.
 * `staffOf` looks up the assignee's staff record (their own role must be the rule's). Lenient: shifts with
 * a malformed date or time are not counted.
 */
export const staffedDuring = (shifts: Iterable<ShiftJSON>, staffOf: (id: string) => StaffJSON | undefined, rule: CoverageRule, date: string): number =>
  minimumPresent(presenceByPerson(shifts, staffOf, rule.role), windowInterval(date, rule.start, rule.end))

/** Each eligible person's merged presence intervals (sorted, disjoint, touching ones joined). */
const presenceByPerson = (shifts: Iterable<ShiftJSON>, staffOf: (id: string) => StaffJSON | undefined, role: string): Interval[][] => {
  const perPerson = new Map<string, Interval[]>()
  for (const shift of shifts) {
    if (shift.role !== role || shift.assignee === null || staffOf(shift.assignee)?.role !== role) continue
    const interval = shiftIntervalOrNull(shift)
    if (interval === null) continue
    const list = perPerson.get(shift.assignee) ?? []
    list.push(interval)
    perPerson.set(shift.assignee, list)
  }
  return [...perPerson.values()].map(mergeIntervals)
}

const mergeIntervals = (intervals: Interval[]): Interval[] => {
  const sorted = [...intervals].sort((a, b) => a.start - b.start)
  const out: Interval[] = []
  for (const next of sorted) {
    const last = out[out.length - 1]
    if (last && next.start <= last.end) last.end = Math.max(last.end, next.end)
    else out.push({ ...next })
  }
  return out
}

/** The minimum, over the window, of how many people are present. */
const minimumPresent = (presence: Interval[][], window: Interval): number => {
  const events: Array<[number, number]> = []
  for (const intervals of presence) {
    for (const { start, end } of intervals) {
      const from = Math.max(start, window.start)
      const to = Math.min(end, window.end)
      if (from < to) events.push([from, 1], [to, -1])
    }
  }
  // Counts are sampled only over spans between distinct instants, so a handover at one instant leaves no gap.
  events.sort((a, b) => a[0] - b[0])
  let present = 0
  let at = window.start
  let minimum = Number.POSITIVE_INFINITY
  for (const [instant, delta] of events) {
    if (instant > at) minimum = Math.min(minimum, present)
    present += delta
    at = Math.max(at, instant)
  }
  if (at < window.end) minimum = Math.min(minimum, present)
  return minimum === Number.POSITIVE_INFINITY ? present : minimum
}
