import {
  dayNumber, minutesOf, overlapMinutes, shiftInterval, weeklyHours, weekOf,
  type ScheduleJSON,
} from './schedule.ts'

/**
 * The schedule rules the resolver checks ([DB1]–[CV1] in SPEC.md). Each violation has a stable key naming
 * exactly what is wrong, so the same violation in two states compares equal.
 */
export interface CoverageRef { role: string; date: string; start: string; end: string }

export type Violation =
  | { kind: 'double_booking'; key: string; staff: string; shifts: [string, string]; overlapMinutes: number }
  | { kind: 'max_hours_exceeded'; key: string; staff: string; week: string; hours: number; max: number; shifts: string[] }
  | { kind: 'time_off_violation'; key: string; staff: string; shift: string; date: string }
  | { kind: 'skill_mismatch'; key: string; staff: string; shift: string; missing: 'skill' | 'role' }
  | { kind: 'dangling_reference'; key: string; staff: string; shift: string }
  | { kind: 'coverage_shortfall'; key: string; coverage: CoverageRef; shifts: string[]; have: number; min: number }

export type ViolationKind = Violation['kind']

const coveringShifts = (schedule: ScheduleJSON, ref: CoverageRef): string[] => {
  const day = dayNumber(ref.date)
  const s = minutesOf(ref.start)
  const e = minutesOf(ref.end)
  if (day === null || s === null || e === null) return []
  const window = { start: day * 1440 + s, end: day * 1440 + e + (e <= s ? 1440 : 0) }
  const out: string[] = []
  for (const [id, shift] of Object.entries(schedule.shifts)) {
    if (shift.role !== ref.role) continue
    const iv = shiftInterval(shift)
    if (iv && iv.start <= window.start && iv.end >= window.end) out.push(id)
  }
  return out.sort()
}

export const violations = (schedule: ScheduleJSON): Map<string, Violation> => {
  const out = new Map<string, Violation>()
  const add = (v: Violation): void => void out.set(v.key, v)
  const byStaff = new Map<string, string[]>()
  for (const [id, shift] of Object.entries(schedule.shifts).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const who = shift.assignee
    if (who === null) continue
    const person = schedule.staff[who]
    if (!person) {
      add({ kind: 'dangling_reference', key: `dangling_reference:${id}:${who}`, staff: who, shift: id })
      continue
    }
    byStaff.set(who, [...(byStaff.get(who) ?? []), id])
    if (person.unavailable.includes(shift.date)) {
      add({ kind: 'time_off_violation', key: `time_off_violation:${who}:${id}:${shift.date}`, staff: who, shift: id, date: shift.date })
    }
    if (shift.requiredSkill !== null && !person.skills.includes(shift.requiredSkill)) {
      add({ kind: 'skill_mismatch', key: `skill_mismatch:${id}:${who}:skill`, staff: who, shift: id, missing: 'skill' })
    } else if (shift.role !== '' && person.role !== '' && shift.role !== person.role) {
      add({ kind: 'skill_mismatch', key: `skill_mismatch:${id}:${who}:role`, staff: who, shift: id, missing: 'role' })
    }
  }
  for (const [who, ids] of byStaff) {
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const a = ids[i] as string
        const b = ids[j] as string
        const ia = shiftInterval(schedule.shifts[a] as never)
        const ib = shiftInterval(schedule.shifts[b] as never)
        const m = ia && ib ? overlapMinutes(ia, ib) : 0
        if (m > 0) add({ kind: 'double_booking', key: `double_booking:${who}:${a}:${b}`, staff: who, shifts: [a, b], overlapMinutes: m })
      }
    }
  }
  for (const [who, weeks] of weeklyHours(schedule)) {
    const person = schedule.staff[who]
    if (!person) continue
    for (const [week, hours] of weeks) {
      if (hours > person.maxHoursPerWeek + 1e-9) {
        const shifts = (byStaff.get(who) ?? []).filter((id) => weekOf(schedule, (schedule.shifts[id] as { date: string }).date) === week)
        add({ kind: 'max_hours_exceeded', key: `max_hours_exceeded:${who}:${week}`, staff: who, week, hours, max: person.maxHoursPerWeek, shifts })
      }
    }
  }
  const dates = [...new Set(Object.values(schedule.shifts).map((s) => s.date))].sort()
  for (const rule of schedule.settings.coverage) {
    for (const date of dates) {
      const coverage: CoverageRef = { role: rule.role, date, start: rule.start, end: rule.end }
      const shifts = coveringShifts(schedule, coverage)
      if (shifts.length === 0 && !Object.values(schedule.shifts).some((s) => s.role === rule.role && s.date === date)) continue
      const have = new Set(shifts.map((id) => schedule.shifts[id]?.assignee).filter((a) => a != null && schedule.staff[a] !== undefined)).size
      if (have < rule.min) {
        add({ kind: 'coverage_shortfall', key: `coverage_shortfall:${rule.role}:${date}:${rule.start}-${rule.end}`, coverage, shifts, have, min: rule.min })
      }
    }
  }
  return out
}

const shiftFields = (id: string, fields: string[]): string[] => [`shifts.${id}`, ...fields.map((f) => `shifts.${id}.${f}`)]
const timing = ['assignee', 'date', 'start', 'end']

/**
 * The paths whose change can create or cure a violation: an edit touching one of them takes part in the
 * conflict. `states` are the schedules the violation is looked at in (merged state and each view), so a
 * shift moved away by one editor still counts.
 */
export const relevantPaths = (v: Violation, states: ScheduleJSON[]): string[] => {
  switch (v.kind) {
    case 'double_booking':
      return [...shiftFields(v.shifts[0], timing), ...shiftFields(v.shifts[1], timing), `staff.${v.staff}`]
    case 'max_hours_exceeded': {
      const ids = new Set<string>()
      for (const s of states) {
        for (const [id, shift] of Object.entries(s.shifts)) if (shift.assignee === v.staff && weekOf(s, shift.date) === v.week) ids.add(id)
      }
      return [...[...ids].flatMap((id) => shiftFields(id, timing)), `staff.${v.staff}.maxHoursPerWeek`, `staff.${v.staff}`]
    }
    case 'time_off_violation':
      return [...shiftFields(v.shift, ['assignee', 'date']), `staff.${v.staff}.unavailable`, `staff.${v.staff}`]
    case 'skill_mismatch':
      return [...shiftFields(v.shift, ['assignee', 'requiredSkill', 'role']), `staff.${v.staff}.skills`, `staff.${v.staff}.role`, `staff.${v.staff}`]
    case 'dangling_reference':
      return [...shiftFields(v.shift, ['assignee']), `staff.${v.staff}`]
    case 'coverage_shortfall': {
      const ids = new Set<string>()
      for (const s of states) {
        for (const [id, shift] of Object.entries(s.shifts)) if (shift.role === v.coverage.role && shift.date === v.coverage.date) ids.add(id)
      }
      return [...[...ids].flatMap((id) => shiftFields(id, [...timing, 'role'])), 'settings.coverage']
    }
  }
}

/**
 * True when a changed path touches a relevant one: the same path, or a removed entity whose field is relevant.
 * A relevant entity path (`shifts.s1`) stands for its existence only, so a notes edit does not touch it.
 */
export const pathsTouch = (changed: string, relevant: string): boolean =>
  changed === relevant || relevant.startsWith(`${changed}.`)
