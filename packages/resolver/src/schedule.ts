import type * as Y from 'yjs'
import { toJSON, type ScheduleJSON, type ShiftJSON, type Weekday } from '@rota/model'

/*
 * Interval arithmetic the rules need. Schedule times are wall-clock ('HH:MM' on a 'YYYY-MM-DD' day) in
 * the schedule's timezone, so minutes since the epoch of that wall clock compare correctly.
 */
export type { ScheduleJSON, ShiftJSON, StaffJSON, Weekday } from '@rota/model'

/** The schedule as JSON (@rota/model's lenient projection: it reads intermediate states no validator saw). */
export const readSchedule = (doc: Y.Doc): ScheduleJSON => toJSON(doc)

const DAY = 24 * 60
const weekdays: Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']

export const minutesOf = (hhmm: string): number | null => {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm)
  if (!m) return null
  return Number(m[1]) * 60 + Number(m[2])
}

/** Days since the epoch of a 'YYYY-MM-DD' date, or null. Wall-clock arithmetic: a schedule's times are local. */
export const dayNumber = (date: string): number | null => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null
  const t = Date.parse(`${date}T00:00:00Z`)
  return Number.isNaN(t) ? null : Math.round(t / 86_400_000)
}

export const dateOfDay = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10)

/** A shift's interval in minutes since the epoch (wall clock); an end at or before the start crosses midnight. */
export const shiftInterval = (shift: ShiftJSON): { start: number; end: number } | null => {
  const day = dayNumber(shift.date)
  const s = minutesOf(shift.start)
  const e = minutesOf(shift.end)
  if (day === null || s === null || e === null) return null
  const start = day * DAY + s
  return { start, end: day * DAY + e + (e <= s ? DAY : 0) }
}

/** Minutes two intervals share; back-to-back intervals share none. */
export const overlapMinutes = (a: { start: number; end: number }, b: { start: number; end: number }): number =>
  Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start))

/** The first day of the week holding `day`, by the schedule's `weekStartsOn`. */
export const weekStartDay = (day: number, weekStartsOn: Weekday): number => {
  const dow = (day + 4) % 7 // 1970-01-01 was a Thursday
  const first = weekdays.indexOf(weekStartsOn)
  return day - ((dow - first + 7) % 7)
}

/** Hours per (staff id, week start date), counting each shift in the week of its start date. */
export const weeklyHours = (schedule: ScheduleJSON): Map<string, Map<string, number>> => {
  const out = new Map<string, Map<string, number>>()
  for (const shift of Object.values(schedule.shifts)) {
    if (shift.assignee === null) continue
    const iv = shiftInterval(shift)
    const day = dayNumber(shift.date)
    if (!iv || day === null) continue
    const week = dateOfDay(weekStartDay(day, schedule.settings.weekStartsOn))
    const byWeek = out.get(shift.assignee) ?? new Map<string, number>()
    byWeek.set(week, (byWeek.get(week) ?? 0) + (iv.end - iv.start) / 60)
    out.set(shift.assignee, byWeek)
  }
  return out
}

export const weekOf = (schedule: ScheduleJSON, date: string): string | null => {
  const day = dayNumber(date)
  return day === null ? null : dateOfDay(weekStartDay(day, schedule.settings.weekStartsOn))
}

/** The value at a dotted path ('shifts.s1.assignee'), or undefined. */
export const valueAt = (schedule: ScheduleJSON, path: string): unknown => {
  let node: unknown = schedule
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string, unknown>)[part]
  }
  return node
}
