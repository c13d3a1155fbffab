import {
  isDate, minutesOnDate, overLimit, overlapMinutes, restBefore, REST_LOOKBACK_DAYS, runFrom, shiftIntervalOrNull, staffedDuring, underRest, workLimit,
  type CoverageRule, type RuleShift, type ScheduleJSON, type ShiftJSON, type WorkLimit,
} from '@rota/model'
import { addDays, intervalOf, weekMinutesOf } from './time.ts'
import { ScheduleIndex } from './indexes.ts'
import type { ScheduleSource } from './source.ts'

/**
 * The schedule rules the resolver checks ([DB1]–[CV1] in SPEC.md), on @rota/model's queries (one
 * definition of intervals, overlap, weekly hours and coverage). Each violation has a stable key naming
 * exactly what is wrong, so the same violation in two states compares equal. Rules are grouped in *slots*
 * (a shift, a shift's overlaps, a person's week, a date's coverage): an update re-checks only the slots of
 * the records it changed (violations.ts), and a view is asked about one slot (`holds`).
 */
export interface CoverageRef { role: string; date: string; start: string; end: string }

export type Violation =
  | { kind: 'double_booking'; key: string; staff: string; shifts: [string, string]; overlapMinutes: number }
  | { kind: 'max_hours_exceeded'; key: string; staff: string; week: string; hours: number; max: number; shifts: string[] }
  | { kind: 'time_off_violation'; key: string; staff: string; shift: string; date: string }
  | { kind: 'skill_mismatch'; key: string; staff: string; shift: string; missing: 'skill' | 'role' }
  | { kind: 'dangling_reference'; key: string; staff: string; shift: string }
  | { kind: 'coverage_shortfall'; key: string; coverage: CoverageRef; shifts: string[]; have: number; min: number }
  | { kind: 'rest_too_short'; key: string; staff: string; shifts: [string, string]; restMinutes: number; min: number }
  | { kind: 'too_many_consecutive_days'; key: string; staff: string; from: string; to: string; days: number; max: number; shifts: string[] }
  | { kind: 'shift_too_long'; key: string; shift: string; staff: string | null; hours: number; max: number }
  | { kind: 'day_too_long'; key: string; staff: string; date: string; hours: number; max: number; shifts: string[] }

export type ViolationKind = Violation['kind']

export type Slot =
  | { kind: 'shift'; id: string }
  | { kind: 'booking'; id: string }
  | { kind: 'hours'; person: string; week: string }
  | { kind: 'coverage'; date: string; role: string }
  /** The rest before one shift ([RS1]). */
  | { kind: 'rest'; id: string }
  /** The run of working days a person starts on `date` ([CD1]). */
  | { kind: 'run'; person: string; date: string }
  /** One shift's length ([SL1]). */
  | { kind: 'length'; id: string }
  /** A person's hours on one date ([DH1]). */
  | { kind: 'day'; person: string; date: string }

/** A slot as a map key (ids may hold any character but '.', so a NUL separates). */
export const slotKey = (slot: Slot): string => {
  switch (slot.kind) {
    case 'shift':
    case 'booking':
    case 'rest':
    case 'length': return `${slot.kind}\u0000${slot.id}`
    case 'hours':
    case 'run':
    case 'day': return `${slot.kind}\u0000${slot.person}\u0000${'week' in slot ? slot.week : slot.date}`
    case 'coverage': return `coverage\u0000${slot.date}\u0000${slot.role}`
  }
}

/** [DR1], [TO1], [SK1]: what is wrong with one shift's assignment. */
const shiftViolations = (src: ScheduleSource, id: string): Violation[] => {
  const shift = src.shift(id)
  if (!shift || shift.assignee === null) return []
  const who = shift.assignee
  const person = src.staff(who)
  if (!person) return [{ kind: 'dangling_reference', key: `dangling_reference:${id}:${who}`, staff: who, shift: id }]
  const out: Violation[] = []
  if (person.unavailable.includes(shift.date)) {
    out.push({ kind: 'time_off_violation', key: `time_off_violation:${who}:${id}:${shift.date}`, staff: who, shift: id, date: shift.date })
  }
  if (shift.requiredSkill !== null && !person.skills.includes(shift.requiredSkill)) {
    out.push({ kind: 'skill_mismatch', key: `skill_mismatch:${id}:${who}:skill`, staff: who, shift: id, missing: 'skill' })
  } else if (shift.role !== '' && person.role !== '' && shift.role !== person.role) {
    out.push({ kind: 'skill_mismatch', key: `skill_mismatch:${id}:${who}:role`, staff: who, shift: id, missing: 'role' })
  }
  return out
}

/** [DB1]–[DB3]: the shift against its assignee's other shifts (overlap needs dates at most a day apart). */
const bookingViolations = (src: ScheduleSource, id: string): Violation[] => {
  const shift = src.shift(id)
  const interval = shift ? intervalOf(shift) : null
  if (!shift || shift.assignee === null || interval === null || !src.staff(shift.assignee)) return []
  const who = shift.assignee
  const out: Violation[] = []
  for (let d = -1; d <= 1; d++) {
    for (const other of src.shiftsOn(who, addDays(shift.date, d))) {
      const theirs = other === id ? null : src.shift(other)
      const m = theirs ? overlapMinutes(interval, intervalOf(theirs) ?? { start: 0, end: 0 }) : 0
      if (m === 0) continue
      const [a, b] = id < other ? [id, other] : [other, id]
      out.push({ kind: 'double_booking', key: `double_booking:${who}:${a}:${b}`, staff: who, shifts: [a, b], overlapMinutes: m })
    }
  }
  return out
}

/** The shifts that count towards a person's week (dated the day before it up to its last day). */
const weekShifts = (src: ScheduleSource, who: string, week: string): string[] => {
  const weekStartsOn = src.settings().weekStartsOn
  const ids: string[] = []
  for (let d = -1; d < 7; d++) {
    for (const id of src.shiftsOn(who, addDays(week, d))) {
      const shift = src.shift(id) as ShiftJSON
      if (weekMinutesOf(shift, weekStartsOn).some((w) => w.weekStart === week)) ids.push(id)
    }
  }
  return ids.sort()
}

/** [MH1]: a person's hours in one week above their maximum (weeks split as @rota/model splits them). */
const hoursViolation = (src: ScheduleSource, who: string, week: string): Violation[] => {
  const person = src.staff(who)
  if (!person) return []
  const hours = src.weekMinutes(who, week) / 60
  if (!(hours > person.maxHoursPerWeek + 1e-9)) return []
  return [{ kind: 'max_hours_exceeded', key: `max_hours_exceeded:${who}:${week}`, staff: who, week, hours, max: person.maxHoursPerWeek, shifts: weekShifts(src, who, week) }]
}

const windowOf = (rule: Pick<CoverageRule, 'start' | 'end'>, date: string) => shiftIntervalOrNull({ date, start: rule.start, end: rule.end })

/** Shifts of a role that can be present during a window on `date` (dated the day before to the day after). */
const nearShifts = (src: ScheduleSource, role: string, date: string): string[] =>
  [-1, 0, 1].flatMap((d) => [...src.roleShiftsOn(role, addDays(date, d))])

/**
 * [CV1]: on a date with shifts of a rule's role, fewer people present at the worst moment of the rule's
 * window than `min` (@rota/model's coverage: handovers count, a person counts once, their own role must
 * be the rule's).
 */
const coverageViolations = (src: ScheduleSource, date: string, role: string): Violation[] => {
  const out = new Map<string, Violation>()
  // A shift whose date has not arrived (or is malformed) is on no date.
  if (!isDate(date)) return []
  for (const rule of src.settings().coverage) {
    if (rule.role !== role || [...src.roleShiftsOn(role, date)].length === 0) continue
    const ids = nearShifts(src, rule.role, date)
    const have = staffedDuring(ids.map((id) => src.shift(id) as ShiftJSON), (id) => src.staff(id), rule, date)
    if (have >= rule.min) continue
    const window = windowOf(rule, date)
    const shifts = ids.filter((id) => {
      const iv = intervalOf(src.shift(id) as ShiftJSON)
      return window !== null && iv !== null && overlapMinutes(iv, window) > 0
    }).sort()
    const key = `coverage_shortfall:${rule.role}:${date}:${rule.start}-${rule.end}`
    out.set(key, { kind: 'coverage_shortfall', key, coverage: { role: rule.role, date, start: rule.start, end: rule.end }, shifts, have, min: rule.min })
  }
  return [...out.values()]
}

// ---------------------------------------------------------------------------------------------
// Working-time rules ([RS1], [CD1], [SL1], [DH1]): @rota/model's rules.ts primitives on the days the index names.

/** The limit for a person (by their own role), or null when none applies or they are not staff. */
const personLimit = (src: ScheduleSource, who: string, limit: WorkLimit): number | null => {
  const person = src.staff(who)
  return person ? workLimit(src.settings().workRules, limit, person.role) : null
}

const timedShift = (src: ScheduleSource, id: string): RuleShift | null => {
  const shift = src.shift(id)
  const interval = shift ? intervalOf(shift) : null
  return interval && { id, start: interval.start, end: interval.end }
}

/** [RS1]: the rest before a shift, from the latest end among its assignee's earlier shifts, below their minimum. */
const restViolation = (src: ScheduleSource, id: string): Violation[] => {
  const shift = src.shift(id)
  const me = timedShift(src, id)
  if (!shift || shift.assignee === null || me === null) return []
  const who = shift.assignee
  const min = personLimit(src, who, 'minRestHours')
  if (min === null) return []
  const others: RuleShift[] = []
  for (let d = -REST_LOOKBACK_DAYS; d <= 0; d++) {
    for (const other of src.shiftsOn(who, addDays(shift.date, d))) {
      const timed = timedShift(src, other)
      if (timed) others.push(timed)
    }
  }
  const rest = restBefore(me, others)
  if (rest === null || !underRest(rest.minutes, min)) return []
  return [{ kind: 'rest_too_short', key: `rest_too_short:${who}:${rest.before}:${rest.after}`, staff: who, shifts: [rest.before, rest.after], restMinutes: rest.minutes, min }]
}

const worksOnIn = (src: ScheduleSource, who: string) => (date: string): boolean => {
  for (const _ of src.shiftsOn(who, date)) return true
  return false
}

/** [CD1]: the run of working days (dates a shift starts on) a person starts on `date`, above their maximum. */
const runViolation = (src: ScheduleSource, who: string, date: string): Violation[] => {
  const max = personLimit(src, who, 'maxConsecutiveDays')
  if (max === null) return []
  const run = runFrom(worksOnIn(src, who), date)
  if (run === null || run.days <= max) return []
  const shifts = Array.from({ length: run.days }, (_, i) => [...src.shiftsOn(who, addDays(run.from, i))]).flat().sort()
  return [{ kind: 'too_many_consecutive_days', key: `too_many_consecutive_days:${who}:${run.from}`, staff: who, ...run, max, shifts }]
}

/** [SL1]: one shift longer than the maximum for its own role, assigned or not. */
const lengthViolation = (src: ScheduleSource, id: string): Violation[] => {
  const shift = src.shift(id)
  const me = timedShift(src, id)
  if (!shift || me === null) return []
  const max = workLimit(src.settings().workRules, 'maxShiftHours', shift.role)
  if (max === null || !overLimit(me.end - me.start, max)) return []
  return [{ kind: 'shift_too_long', key: `shift_too_long:${id}`, shift: id, staff: shift.assignee, hours: (me.end - me.start) / 60, max }]
}

/** The shifts of a person that can have minutes on `date` (dated that day or the day before). */
const dayShifts = (src: ScheduleSource, who: string, date: string): string[] =>
  [-1, 0].flatMap((d) => [...src.shiftsOn(who, addDays(date, d))])

/** [DH1]: a person's hours on one date (shifts split at midnight) above their maximum. */
const dayViolation = (src: ScheduleSource, who: string, date: string): Violation[] => {
  const max = personLimit(src, who, 'maxDayHours')
  if (max === null || !isDate(date)) return []
  const ids = dayShifts(src, who, date)
  const minutes = minutesOnDate(ids.map((id) => src.shift(id) as ShiftJSON), date)
  if (!overLimit(minutes, max)) return []
  const shifts = ids.filter((id) => minutesOnDate([src.shift(id) as ShiftJSON], date) > 0).sort()
  return [{ kind: 'day_too_long', key: `day_too_long:${who}:${date}`, staff: who, date, hours: minutes / 60, max, shifts }]
}

export const slotViolations = (src: ScheduleSource, slot: Slot): Violation[] => {
  switch (slot.kind) {
    case 'shift': return shiftViolations(src, slot.id)
    case 'booking': return bookingViolations(src, slot.id)
    case 'hours': return hoursViolation(src, slot.person, slot.week)
    case 'coverage': return coverageViolations(src, slot.date, slot.role)
    case 'rest': return restViolation(src, slot.id)
    case 'run': return runViolation(src, slot.person, slot.date)
    case 'length': return lengthViolation(src, slot.id)
    case 'day': return dayViolation(src, slot.person, slot.date)
  }
}

/** The slot whose check finds `v`. */
export const slotOf = (v: Violation): Slot => {
  switch (v.kind) {
    case 'double_booking': return { kind: 'booking', id: v.shifts[0] }
    case 'max_hours_exceeded': return { kind: 'hours', person: v.staff, week: v.week }
    case 'coverage_shortfall': return { kind: 'coverage', date: v.coverage.date, role: v.coverage.role }
    case 'rest_too_short': return { kind: 'rest', id: v.shifts[1] }
    case 'too_many_consecutive_days': return { kind: 'run', person: v.staff, date: v.from }
    case 'shift_too_long': return { kind: 'length', id: v.shift }
    case 'day_too_long': return { kind: 'day', person: v.staff, date: v.date }
    default: return { kind: 'shift', id: v.shift }
  }
}

/** Whether violation `v` (the same key) holds in a state. */
export const holds = (src: ScheduleSource, v: Violation): boolean => slotViolations(src, slotOf(v)).some((x) => x.key === v.key)

/** Every violation of a schedule, from scratch (the incremental ViolationIndex must always equal this). */
export const violations = (schedule: ScheduleJSON): Map<string, Violation> => {
  const src = ScheduleIndex.fromJSON(schedule)
  const slots: Slot[] = []
  for (const id of Object.keys(schedule.shifts).sort()) slots.push({ kind: 'shift', id }, { kind: 'booking', id }, { kind: 'rest', id }, { kind: 'length', id })
  for (const person of [...src.assignees()].sort()) {
    for (const date of [...src.datesOf(person)].sort()) slots.push({ kind: 'run', person, date }, { kind: 'day', person, date }, { kind: 'day', person, date: addDays(date, 1) })
  }
  for (const person of [...src.people()].sort()) for (const week of [...src.weeksOf(person)].sort()) slots.push({ kind: 'hours', person, week })
  const roles = [...new Set(schedule.settings.coverage.map((r) => r.role))]
  for (const date of [...src.dates()].sort()) for (const role of roles) slots.push({ kind: 'coverage', date, role })
  const out = new Map<string, Violation>()
  for (const slot of slots) for (const v of slotViolations(src, slot)) out.set(v.key, v)
  return out
}

const shiftFields = (id: string, fields: string[]): string[] => [`shifts.${id}`, ...fields.map((f) => `shifts.${id}.${f}`)]
const timing = ['assignee', 'date', 'start', 'end']

/**
 * The paths whose change can create or cure a violation: an edit touching one of them takes part in the
 * conflict. `states` are the states the violation is looked at in (merged state and each view), so a
 * shift moved away by one editor still counts.
 */
export const relevantPaths = (v: Violation, states: ScheduleSource[]): string[] => {
  switch (v.kind) {
    case 'double_booking':
      return [...shiftFields(v.shifts[0], timing), ...shiftFields(v.shifts[1], timing), `staff.${v.staff}`]
    case 'max_hours_exceeded': {
      const ids = new Set(states.flatMap((s) => weekShifts(s, v.staff, v.week)))
      return [...[...ids].flatMap((id) => shiftFields(id, timing)), `staff.${v.staff}.maxHoursPerWeek`, `staff.${v.staff}`]
    }
    case 'time_off_violation':
      return [...shiftFields(v.shift, ['assignee', 'date']), `staff.${v.staff}.unavailable`, `staff.${v.staff}`]
    case 'skill_mismatch':
      return [...shiftFields(v.shift, ['assignee', 'requiredSkill', 'role']), `staff.${v.staff}.skills`, `staff.${v.staff}.role`, `staff.${v.staff}`]
    case 'dangling_reference':
      return [...shiftFields(v.shift, ['assignee']), `staff.${v.staff}`]
    case 'coverage_shortfall': {
      // Shifts dated that day, those of the days around it that reach into the window, and their people
      // (a person counts only while their own role is the rule's).
      const { role, date } = v.coverage
      const window = windowOf(v.coverage, date)
      const ids = new Set<string>()
      const people = new Set<string>()
      for (const s of states) {
        for (const id of nearShifts(s, role, date)) {
          const shift = s.shift(id) as ShiftJSON
          const iv = intervalOf(shift)
          if (shift.date !== date && (window === null || iv === null || overlapMinutes(iv, window) === 0)) continue
          ids.add(id)
          if (shift.assignee !== null) people.add(shift.assignee)
        }
      }
      return [
        ...[...ids].flatMap((id) => shiftFields(id, [...timing, 'role'])), 'settings.coverage',
        ...[...people].flatMap((p) => [`staff.${p}`, `staff.${p}.role`]),
      ]
    }
    case 'rest_too_short':
      return [...shiftFields(v.shifts[0], timing), ...shiftFields(v.shifts[1], timing), ...personRulePaths(v.staff)]
    case 'too_many_consecutive_days': {
      // The run's shifts and those of the days either side of it (a shift there joins runs), in every state.
      const ids = personShifts(states, v.staff, addDays(v.from, -1), addDays(v.to, 1))
      return [...[...ids].flatMap((id) => shiftFields(id, timing)), ...personRulePaths(v.staff)]
    }
    case 'shift_too_long':
      return [...shiftFields(v.shift, ['date', 'start', 'end', 'role']), 'settings.workRules']
    case 'day_too_long': {
      const ids = personShifts(states, v.staff, addDays(v.date, -1), v.date)
      return [...[...ids].flatMap((id) => shiftFields(id, timing)), ...personRulePaths(v.staff)]
    }
  }
}

/** A person's shifts dated from `from` to `to` (inclusive) in any of the states. */
const personShifts = (states: ScheduleSource[], who: string, from: string, to: string): Set<string> => {
  const ids = new Set<string>()
  if (!isDate(from) || !isDate(to)) return ids
  for (let d = from; d <= to; d = addDays(d, 1)) for (const s of states) for (const id of s.shiftsOn(who, d)) ids.add(id)
  return ids
}

/** What a person's working-time rule reads besides their shifts: their role (the limit's) and the rules. */
const personRulePaths = (who: string): string[] => [`staff.${who}`, `staff.${who}.role`, 'settings.workRules']

/**
 * True when a changed path touches a relevant one: the same path, or a removed entity whose field is relevant.
 * A relevant entity path (`shifts.s1`) stands for its existence only, so a notes edit does not touch it.
 */
export const pathsTouch = (changed: string, relevant: string): boolean =>
  changed === relevant || relevant.startsWith(`${changed}.`)
