/**
 * Naive wall-clock arithmetic: dates and times are read as written, with no time zone and no DST
 * (a day is always 1440 minutes). Instants are minutes since 1970-01-01 00:00 of the schedule's wall clock.
 */
import { ModelError, ModelErrorCode } from './errors.ts'
import { type Weekday, WEEKDAYS, isDate } from './schema.ts'

export const MINUTES_PER_DAY = 1440

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date. */
export const dayNumber = (date: string): number => Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000

/** The 'YYYY-MM-DD' date of a day number. */
export const dateOfDay = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10)

export const addDays = (date: string, days: number): string => dateOfDay(dayNumber(date) + days)

/** Minutes since midnight of an 'HH:MM' time. */
export const minuteOfDay = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5))

/** 'YYYY-MM-DD HH:MM' of an instant (minutes since 1970-01-01 00:00). */
export const formatInstant = (instant: number): string => {
  const day = Math.floor(instant / MINUTES_PER_DAY)
  const minute = instant - day * MINUTES_PER_DAY
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${dateOfDay(day)} ${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`
}

/** 0 = monday … 6 = sunday (1970-01-01 was a thursday). */
const weekdayIndex = (day: number): number => (((day + 3) % 7) + 7) % 7

export const weekdayOf = (date: string): Weekday => WEEKDAYS[weekdayIndex(dayNumber(date))]!

/** The first day of the week holding `date`, for weeks starting on `weekStartsOn`. */
export const weekStartOf = (date: string, weekStartsOn: Weekday): string => dateOfDay(weekStartDay(dayNumber(date), weekStartsOn))

export const weekStartDay = (day: number, weekStartsOn: Weekday): number =>
  day - ((weekdayIndex(day) - WEEKDAYS.indexOf(weekStartsOn) + 7) % 7)

/** A half-open interval [start, end) of instants. */
export interface Interval {
  start: number
  end: number
}

/** [start, end) of a window given as a date and 'HH:MM' times; an end at or before the start is on the next day. */
export const windowInterval = (date: string, start: string, end: string): Interval => {
  const from = dayNumber(date) * MINUTES_PER_DAY + minuteOfDay(start)
  let to = dayNumber(date) * MINUTES_PER_DAY + minuteOfDay(end)
  if (to <= from) to += MINUTES_PER_DAY
  return { start: from, end: to }
}

export const checkDate = (value: unknown, name: string): string => {
  if (!isDate(value)) throw new ModelError(ModelErrorCode.InvalidValue, `${name}: expected a date 'YYYY-MM-DD', got '${String(value)}'`, { path: name })
  return value
}
