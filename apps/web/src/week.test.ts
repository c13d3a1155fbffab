import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import {
  addDays, addWeeks, daysOfWeek, formatDate, isDate, isoWeek, shiftHours, startOfWeek, weekdayOf, WEEKDAYS, type Weekday,
} from './week.ts'

const dateArb = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true })
  .map(formatDate)
const weekdayArb = fc.constantFrom(...WEEKDAYS)

describe('week math', () => {
  it('validates dates strictly', () => {
    expect(isDate('2026-11-23')).toBe(true)
    expect(isDate('2026-02-29')).toBe(false)
    expect(isDate('2024-02-29')).toBe(true)
    expect(isDate('2026-1-3')).toBe(false)
  })

  it('finds the start of a week for any first weekday', () => {
    expect(startOfWeek('2026-11-25', 'monday')).toBe('2026-11-23')
    expect(startOfWeek('2026-11-25', 'sunday')).toBe('2026-11-22')
    expect(startOfWeek('2026-11-23', 'monday')).toBe('2026-11-23')
    fc.assert(
      fc.property(dateArb, weekdayArb, (date: string, first: Weekday) => {
        const start = startOfWeek(date, first)
        expect(weekdayOf(start)).toBe(first)
        expect(daysOfWeek(start)).toContain(date)
        expect(startOfWeek(start, first)).toBe(start)
      }),
    )
  })

  it('walks across months, years and DST changes by whole days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30')
    expect(addWeeks('2026-11-23', -1)).toBe('2026-11-16')
    fc.assert(fc.property(dateArb, fc.integer({ min: -400, max: 400 }), (date, n) => {
      expect(addDays(addDays(date, n), -n)).toBe(date)
    }))
  })

  it('numbers ISO weeks', () => {
    expect(isoWeek('2026-11-23')).toEqual({ year: 2026, week: 48 })
    expect(isoWeek('2021-01-03')).toEqual({ year: 2020, week: 53 })
    expect(isoWeek('2024-12-30')).toEqual({ year: 2025, week: 1 })
  })

  it('measures shifts, including across midnight', () => {
    expect(shiftHours('09:00', '17:30')).toBe(8.5)
    expect(shiftHours('22:00', '06:00')).toBe(8)
    expect(shiftHours('08:00', '08:00')).toBe(24)
    expect(() => shiftHours('9:00', '17:00')).toThrow(RangeError)
  })
})
