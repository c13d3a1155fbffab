/**
 * Calendar arithmetic for the week grid. Dates are plain 'YYYY-MM-DD' strings, as in the
 * schedule document; all arithmetic happens in UTC so that daylight-saving changes never
 * shift a day.
 */

import { isDate, isTime, WEEKDAYS, type Weekday } from '@rota/model'

export { isDate, isTime, WEEKDAYS, type Weekday }

/** In `Date.getUTCDay()` order (Sunday first). */
const BY_UTC_DAY: readonly Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/
const DAY_MS = 86_400_000

export const parseDate = (value: string): Date => {
  if (!isDate(value)) throw new RangeError(`not a date: ${value}`)
  return new Date(`${value}T00:00:00Z`)
}

export const formatDate = (date: Date): string => date.toISOString().slice(0, 10)

export const addDays = (value: string, days: number): string =>
  formatDate(new Date(parseDate(value).getTime() + days * DAY_MS))

export const weekdayOf = (value: string): Weekday => BY_UTC_DAY[parseDate(value).getUTCDay()]!

/** The first day of the week holding `value`, for weeks starting on `weekStartsOn`. */
export const startOfWeek = (value: string, weekStartsOn: Weekday = 'monday'): string => {
  const day = parseDate(value).getUTCDay()
  const first = BY_UTC_DAY.indexOf(weekStartsOn)
  return addDays(value, -((day - first + 7) % 7))
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

const minutesOf = (time: string): number => {
  const m = TIME_RE.exec(time)
  if (m === null) throw new RangeError(`not a time: ${time}`)
  return Number(m[1]) * 60 + Number(m[2])
}

/** Length of a shift in hours; an end at or before the start crosses midnight. */
export const shiftHours = (start: string, end: string): number => {
  const length = minutesOf(end) - minutesOf(start)
  return (length <= 0 ? length + 24 * 60 : length) / 60
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
