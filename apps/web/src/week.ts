/**
 * Calendar arithmetic for the week grid. Dates are plain 'YYYY-MM-DD' strings, as in the
 * schedule document; all arithmetic happens in UTC so that daylight-saving changes never
 * shift a day.
 */

import { addDays, isDate, isTime, shiftMinutes, weekdayOf, weekStartOf, WEEKDAYS, type Weekday } from '@rota/model'

export { addDays, isDate, isTime, weekdayOf, WEEKDAYS, type Weekday }

const DAY_MS = 86_400_000

const parseDate = (value: string): Date => {
  if (!isDate(value)) throw new RangeError(`not a date: ${value}`)
  return new Date(`${value}T00:00:00Z`)
}

export const formatDate = (date: Date): string => date.toISOString().slice(0, 10)

/** The first day of the week holding `value`, for weeks starting on `weekStartsOn`. */
export const startOfWeek = (value: string, weekStartsOn: Weekday = 'monday'): string => {
  parseDate(value)
  return weekStartOf(value, weekStartsOn)
}

/** The seven dates of the week starting on `start`. */
export const daysOfWeek = (start: string): string[] => Array.from({ length: 7 }, (_, i) => addDays(start, i))

export const addWeeks = (start: string, weeks: number): string => addDays(start, weeks * 7)

/** Today's date in the local time zone of the browser, as 'YYYY-MM-DD'. */
export const today = (now: Date = new Date()): string =>
  `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`

/** ISO-8601 week number and its year (the year of the week's Thursday). */
export const isoWeek = (value: string): { year: number; week: number } => {
  const date = parseDate(value)
  const thursday = new Date(date.getTime() + (3 - ((date.getUTCDay() + 6) % 7)) * DAY_MS)
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1)
  return { year: thursday.getUTCFullYear(), week: Math.floor((thursday.getTime() - yearStart) / DAY_MS / 7) + 1 }
}

/** Length of a shift in hours; an end at or before the start crosses midnight. */
export const shiftHours = (start: string, end: string): number => {
  if (!isTime(start) || !isTime(end)) throw new RangeError(`not a time: ${start}–${end}`)
  return shiftMinutes({ date: '2000-01-01', start, end }) / 60
}

const LABEL = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
const RANGE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })

/** 'Mon 23 Nov' */
export const dayLabel = (value: string): string => LABEL.format(parseDate(value))

/** '23 Nov 2026 – 29 Nov 2026 · week 48' */
export const weekLabel = (start: string): string => {
  const { week } = isoWeek(start)
  return `${RANGE.format(parseDate(start))} – ${RANGE.format(parseDate(addDays(start, 6)))} · week ${week}`
}
