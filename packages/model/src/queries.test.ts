import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ModelError, ModelErrorCode } from './errors.ts'
import {
  coverageOf, overMaxHours, overlapMinutes, overlapsOf, shiftDates, shiftInterval, shiftIntervalOrNull, shiftMinutes, shiftWeekMinutes,
  shiftsOf, staffedDuring, weeklyHours,
} from './queries.ts'
import type { ScheduleJSON, ShiftJSON, StaffJSON } from './schema.ts'
import { WEEKDAYS } from './schema.ts'
import { dateArb, fcOptions, timeArb } from './testing/arbitraries.ts'
import { addDays, dayNumber, formatInstant, weekStartOf, weekdayOf } from './time.ts'

const person = (role = 'nurse', maxHoursPerWeek = 40): StaffJSON => ({ name: 'x', role, skills: [], maxHoursPerWeek, unavailable: [] })
const shift = (date: string, start: string, end: string, assignee: string | null = 'ana', role = 'nurse'): ShiftJSON =>
  ({ date, start, end, role, requiredSkill: null, assignee, notes: '' })
const schedule = (shifts: Record<string, ShiftJSON>, staff: Record<string, StaffJSON> = { ana: person(), ben: person() }): ScheduleJSON => ({
  staff,
  shifts,
  settings: { name: '', timezone: 'UTC', weekStartsOn: 'monday', coverage: [] },
})
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError)
    return (err as ModelError).code
  }
  return undefined
}

describe('time arithmetic (naive wall clock)', () => {
  it('weekdays and week starts', () => {
    expect(weekdayOf('2026-11-30')).toBe('monday')
    expect(weekdayOf('1970-01-01')).toBe('thursday')
    expect(weekdayOf('1969-12-28')).toBe('sunday')
    expect(weekStartOf('2026-12-06', 'monday')).toBe('2026-11-30')
    expect(weekStartOf('2026-12-06', 'sunday')).toBe('2026-12-06')
    expect(weekStartOf('2026-12-05', 'sunday')).toBe('2026-11-29')
    expect(weekStartOf('2026-12-03', 'thursday')).toBe('2026-12-03')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29')
  })

  it('every day has 1440 minutes, DST ignored (2026-03-29 is a DST day in Europe)', () => {
    expect(shiftMinutes(shift('2026-03-29', '00:00', '00:00'))).toBe(1440)
    expect(shiftMinutes(shift('2026-03-28', '22:00', '06:00'))).toBe(480)
  })
})

describe('shiftInterval / shiftMinutes / shiftDates', () => {
  it('a day shift', () => {
    const { start, end } = shiftInterval(shift('2026-11-30', '07:00', '15:30'))
    expect(formatInstant(start)).toBe('2026-11-30 07:00')
    expect(formatInstant(end)).toBe('2026-11-30 15:30')
    expect(shiftMinutes(shift('2026-11-30', '07:00', '15:30'))).toBe(510)
    expect(shiftDates(shift('2026-11-30', '07:00', '15:30'))).toEqual(['2026-11-30'])
  })

  it('end before start crosses midnight; end equal to start is 24 hours', () => {
    const night = shift('2026-12-31', '22:00', '06:00')
    expect(formatInstant(shiftInterval(night).end)).toBe('2027-01-01 06:00')
    expect(shiftMinutes(night)).toBe(480)
    expect(shiftDates(night)).toEqual(['2026-12-31', '2027-01-01'])
    expect(shiftMinutes(shift('2026-12-01', '08:00', '08:00'))).toBe(1440)
    // ending exactly at midnight touches one day
    expect(shiftDates(shift('2026-12-01', '16:00', '00:00'))).toEqual(['2026-12-01'])
    expect(shiftMinutes(shift('2026-12-01', '16:00', '00:00'))).toBe(480)
  })
})

describe('shiftsOf', () => {
  const s = schedule({
    a: shift('2026-11-29', '22:00', '06:00'),
    b: shift('2026-11-30', '07:00', '15:00'),
    c: shift('2026-12-02', '07:00', '15:00'),
    d: shift('2026-11-30', '07:00', '15:00', 'ben'),
    e: shift('2026-11-30', '01:00', '02:00'),
  })

  it('the person’s shifts sorted by start, optionally by date range (inclusive, by start date)', () => {
    expect(shiftsOf(s, 'ana').map((x) => x.id)).toEqual(['a', 'e', 'b', 'c'])
    expect(shiftsOf(s, 'ana', { from: '2026-11-30', to: '2026-12-01' }).map((x) => x.id)).toEqual(['e', 'b'])
    expect(shiftsOf(s, 'ana', { from: '2026-12-02', to: '2026-12-02' }).map((x) => x.id)).toEqual(['c'])
    expect(shiftsOf(s, 'zoe')).toEqual([])
  })

  it('rejects bad ranges', () => {
    expect(codeOf(() => shiftsOf(s, 'ana', { from: '2026-12-02', to: '2026-12-01' }))).toBe(ModelErrorCode.InvalidValue)
    expect(codeOf(() => shiftsOf(s, 'ana', { from: '2026-12-32', to: '2026-12-01' }))).toBe(ModelErrorCode.InvalidValue)
  })
})

describe('weeklyHours', () => {
  it('sums per week, splitting a shift at the week boundary (weeks start monday)', () => {
    const s = schedule({
      mon: shift('2026-11-30', '07:00', '15:00'), // 8h, week of 11-30
      sunNight: shift('2026-12-06', '20:00', '04:00'), // 4h in week 11-30, 4h in week 12-07
      next: shift('2026-12-08', '09:00', '12:30', 'ben'),
    })
    expect(weeklyHours(s)).toEqual({ ana: { '2026-11-30': 12, '2026-12-07': 4 }, ben: { '2026-12-07': 3.5 } })
    expect(weeklyHours(s, { staffId: 'ben' })).toEqual({ ben: { '2026-12-07': 3.5 } })
  })

  it('follows weekStartsOn (option or settings)', () => {
    const s = schedule({ satNight: shift('2026-12-05', '20:00', '04:00') })
    expect(weeklyHours(s)).toEqual({ ana: { '2026-11-30': 8 } })
    expect(weeklyHours(s, { weekStartsOn: 'sunday' })).toEqual({ ana: { '2026-11-29': 4, '2026-12-06': 4 } })
    s.settings.weekStartsOn = 'sunday'
    expect(weeklyHours(s)).toEqual({ ana: { '2026-11-29': 4, '2026-12-06': 4 } })
    expect(codeOf(() => weeklyHours(s, { weekStartsOn: 'someday' as never }))).toBe(ModelErrorCode.InvalidValue)
  })

  it('a shift ending exactly at the boundary stays in its week; a 24h shift from the boundary too', () => {
    const s = schedule({ a: shift('2026-12-06', '16:00', '00:00'), b: shift('2026-12-07', '00:00', '00:00', 'ben') })
    expect(weeklyHours(s)).toEqual({ ana: { '2026-11-30': 8 }, ben: { '2026-12-07': 24 } })
  })

  it('overMaxHours lists weeks over a person’s maximum', () => {
    const s = schedule(
      { a: shift('2026-11-30', '00:00', '00:00'), b: shift('2026-12-01', '00:00', '20:00'), c: shift('2026-12-01', '07:00', '15:00', 'ben') },
      { ana: person('nurse', 40), ben: person('nurse', 8) },
    )
    expect(overMaxHours(s)).toEqual([{ staffId: 'ana', weekStart: '2026-11-30', hours: 44, maxHoursPerWeek: 40 }])
  })

  it('property: the weeks add up to the shifts’ total, whatever the week start', () => {
    const shiftArb = fc.record({ date: dateArb, start: timeArb, end: timeArb, assignee: fc.constantFrom('ana', 'ben') })
    fc.assert(
      fc.property(fc.array(shiftArb, { maxLength: 8 }), fc.constantFrom(...WEEKDAYS), (list, weekStartsOn) => {
        const s = schedule(Object.fromEntries(list.map((x, i) => [`s${i}`, shift(x.date, x.start, x.end, x.assignee)])))
        const hours = weeklyHours(s, { weekStartsOn })
        for (const staffId of ['ana', 'ben']) {
          const expected = list.filter((x) => x.assignee === staffId).reduce((sum, x) => sum + shiftMinutes(shift(x.date, x.start, x.end)), 0) / 60
          const weeks = hours[staffId] ?? {}
          expect(Object.values(weeks).reduce((a, b) => a + b, 0)).toBeCloseTo(expected, 9)
          for (const week of Object.keys(weeks)) expect(weekdayOf(week)).toBe(weekStartsOn)
        }
      }),
      fcOptions(100),
    )
  })
})

describe('shiftWeekMinutes: the one definition of weekly hours', () => {
  // Hours are counted in the week they are worked, as labour rules count a working week (a fixed 168-hour
  // period): a night shift from Sunday into Monday is partly last week's, partly this week's. The resolver's
  // max_hours_exceeded ([MH1] in packages/resolver/SPEC.md) and the week grid both count it this way.
  it('a shift across the week boundary counts in both weeks, split at midnight of the first day', () => {
    expect(shiftWeekMinutes(shift('2026-12-06', '22:00', '06:00'), 'monday')).toEqual([
      { weekStart: '2026-11-30', minutes: 120 },
      { weekStart: '2026-12-07', minutes: 360 },
    ])
    expect(shiftWeekMinutes(shift('2026-12-06', '22:00', '06:00'), 'sunday')).toEqual([{ weekStart: '2026-12-06', minutes: 480 }])
    expect(shiftWeekMinutes(shift('2026-12-02', '09:00', '17:00'), 'monday')).toEqual([{ weekStart: '2026-11-30', minutes: 480 }])
  })

  it('lenient: a malformed date or time (what a lenient read falls back to) counts nothing, without throwing', () => {
    expect(shiftWeekMinutes(shift('', '22:00', '06:00'), 'monday')).toEqual([])
    expect(shiftWeekMinutes(shift('2026-12-06', '', '06:00'), 'monday')).toEqual([])
    expect(shiftWeekMinutes(shift('2026-12-06', '22:00', '06:00'), 'someday' as never)).toEqual([])
    expect(shiftIntervalOrNull(shift('2026-02-30', '07:00', '15:00'))).toBeNull()
    expect(shiftIntervalOrNull(shift('2026-12-06', '22:00', '06:00'))).toEqual(shiftInterval(shift('2026-12-06', '22:00', '06:00')))
  })

  it('property: weeklyHours is the per-person sum of shiftWeekMinutes', () => {
    const shiftArb = fc.record({ date: dateArb, start: timeArb, end: timeArb, assignee: fc.constantFrom('ana', 'ben') })
    fc.assert(
      fc.property(fc.array(shiftArb, { maxLength: 8 }), fc.constantFrom(...WEEKDAYS), (list, weekStartsOn) => {
        const s = schedule(Object.fromEntries(list.map((x, i) => [`s${i}`, shift(x.date, x.start, x.end, x.assignee)])))
        const sums: Record<string, Record<string, number>> = {}
        for (const x of list) {
          const weeks = (sums[x.assignee] ??= {})
          for (const { weekStart, minutes } of shiftWeekMinutes(x, weekStartsOn)) weeks[weekStart] = (weeks[weekStart] ?? 0) + minutes / 60
        }
        expect(weeklyHours(s, { weekStartsOn })).toEqual(sums)
      }),
      fcOptions(100),
    )
  })
})

describe('overlapMinutes', () => {
  it('minutes two intervals share; back-to-back and apart share none', () => {
    const at = (start: string, end: string) => shiftInterval(shift('2026-11-30', start, end))
    expect(overlapMinutes(at('07:00', '15:00'), at('14:00', '16:00'))).toBe(60)
    expect(overlapMinutes(at('07:00', '15:00'), at('15:00', '23:00'))).toBe(0)
    expect(overlapMinutes(at('07:00', '09:00'), at('10:00', '11:00'))).toBe(0)
    expect(overlapMinutes(at('00:00', '00:00'), at('10:00', '11:00'))).toBe(60)
  })
})

describe('overlapsOf', () => {
  it('finds overlapping shifts; back-to-back is not an overlap', () => {
    const s = schedule({
      early: shift('2026-11-30', '07:00', '15:00'),
      late: shift('2026-11-30', '15:00', '23:00'), // back-to-back with early
      double: shift('2026-11-30', '14:00', '16:00'), // overlaps early (1h) and late (1h)
      other: shift('2026-11-30', '07:00', '15:00', 'ben'),
    })
    expect(overlapsOf(s, 'ana')).toEqual([
      { first: 'early', second: 'double', minutes: 60 },
      { first: 'double', second: 'late', minutes: 60 },
    ])
    expect(overlapsOf(s, 'ben')).toEqual([])
  })

  it('a night shift overlaps the next morning’s shift across midnight', () => {
    const s = schedule({ night: shift('2026-11-30', '22:00', '07:00'), morning: shift('2026-12-01', '06:00', '14:00'), after: shift('2026-12-01', '14:00', '22:00') })
    expect(overlapsOf(s, 'ana')).toEqual([{ first: 'night', second: 'morning', minutes: 60 }])
  })

  it('a shift inside another', () => {
    const s = schedule({ long: shift('2026-11-30', '00:00', '00:00'), short: shift('2026-11-30', '10:00', '11:00') })
    expect(overlapsOf(s, 'ana')).toEqual([{ first: 'long', second: 'short', minutes: 60 }])
  })
})

describe('coverageOf', () => {
  const rule = { role: 'nurse', start: '07:00', end: '15:00', min: 2 }
  const staff = { ana: person(), ben: person(), cy: person(), doc: person('doctor') }

  it('counts people of the role on shifts of the role covering the window', () => {
    const s = schedule({
      a: shift('2026-11-30', '07:00', '15:00', 'ana'),
      b: shift('2026-11-30', '06:00', '16:00', 'ben'),
      wrongShiftRole: shift('2026-11-30', '07:00', '15:00', 'cy', 'porter'),
      wrongStaffRole: shift('2026-11-30', '07:00', '15:00', 'doc'),
      unassigned: shift('2026-11-30', '07:00', '15:00', null),
      tue: shift('2026-12-01', '07:00', '12:00', 'ana'),
    }, staff)
    expect(coverageOf(s, { from: '2026-11-30', to: '2026-12-02' }, [rule])).toEqual([
      { date: '2026-11-30', rule, staffed: 2, ok: true, shortfall: 0 },
      { date: '2026-12-01', rule, staffed: 0, ok: false, shortfall: 2 }, // covers 07–12 only: 0 at 12:00
      { date: '2026-12-02', rule, staffed: 0, ok: false, shortfall: 2 },
    ])
  })

  it('handovers keep coverage; one person with overlapping shifts counts once', () => {
    const s = schedule({
      a1: shift('2026-11-30', '07:00', '11:00', 'ana'),
      b1: shift('2026-11-30', '11:00', '15:00', 'ben'),
      c1: shift('2026-11-30', '07:00', '12:00', 'cy'),
      c2: shift('2026-11-30', '10:00', '15:00', 'cy'),
    }, staff)
    expect(coverageOf(s, { from: '2026-11-30', to: '2026-11-30' }, [rule])[0]).toMatchObject({ staffed: 2, ok: true })
  })

  it('overnight windows and shifts from the day before', () => {
    const night = { role: 'nurse', start: '22:00', end: '06:00', min: 1 }
    const s = schedule({
      n1: shift('2026-11-30', '22:00', '06:00', 'ana'),
      n2a: shift('2026-12-01', '21:00', '02:00', 'ben'),
      n2b: shift('2026-12-02', '02:00', '07:00', 'cy'),
      early: shift('2026-12-03', '00:00', '06:00', 'ana'), // the 12-02 window's second half only
    }, staff)
    expect(coverageOf(s, { from: '2026-11-30', to: '2026-12-02' }, [night]).map((r) => [r.date, r.staffed])).toEqual([
      ['2026-11-30', 1],
      ['2026-12-01', 1],
      ['2026-12-02', 0],
    ])
  })

  it('uses settings.coverage by default; validates rules and range', () => {
    const s = schedule({ a: shift('2026-11-30', '07:00', '15:00', 'ana') }, staff)
    s.settings.coverage = [{ ...rule, min: 1 }]
    expect(coverageOf(s, { from: '2026-11-30', to: '2026-11-30' })).toEqual([{ date: '2026-11-30', rule: { ...rule, min: 1 }, staffed: 1, ok: true, shortfall: 0 }])
    expect(codeOf(() => coverageOf(s, { from: '2026-11-30', to: '2026-11-30' }, [{ ...rule, start: '7:00' }]))).toBe(ModelErrorCode.InvalidValue)
    expect(codeOf(() => coverageOf(s, { from: 'monday', to: '2026-11-30' }))).toBe(ModelErrorCode.InvalidValue)
  })

  it('property: equals a minute-by-minute head count', () => {
    const shiftArb = fc.record({ day: fc.integer({ min: 0, max: 2 }), start: timeArb, end: timeArb, assignee: fc.constantFrom('ana', 'ben', 'cy', 'doc') })
    fc.assert(
      fc.property(fc.array(shiftArb, { maxLength: 8 }), timeArb, timeArb, (list, start, end) => {
        const shifts = list.map((x) => shift(addDays('2026-11-30', x.day), x.start, x.end, x.assignee))
        const s = schedule(Object.fromEntries(shifts.map((x, i) => [`s${i}`, x])), staff)
        const window = { role: 'nurse', start, end, min: 1 }
        const [result] = coverageOf(s, { from: '2026-12-01', to: '2026-12-01' }, [window])
        const from = shiftInterval({ date: '2026-12-01', start, end })
        let fewest = Infinity
        for (let t = from.start; t < from.end; t++) {
          const present = new Set(shifts.filter((x) => x.assignee !== 'doc').filter((x) => {
            const i = shiftInterval(x)
            return i.start <= t && t < i.end
          }).map((x) => x.assignee))
          fewest = Math.min(fewest, present.size)
        }
        expect(result!.staffed).toBe(fewest)
      }),
      fcOptions(100),
    )
  }, 60_000)
})

describe('staffedDuring', () => {
  const staff = { ana: person(), ben: person(), cy: person(), doc: person('doctor') }
  it('property: from the shifts of the day before, the day and the day after, the same as coverageOf', () => {
    const shiftArb = fc.record({ day: fc.integer({ min: -3, max: 3 }), start: timeArb, end: timeArb, assignee: fc.constantFrom('ana', 'ben', 'cy', 'doc'), role: fc.constantFrom('nurse', 'doctor') })
    fc.assert(
      fc.property(fc.array(shiftArb, { maxLength: 10 }), timeArb, timeArb, fc.integer({ min: 0, max: 3 }), (list, start, end, min) => {
        const shifts = list.map((x) => shift(addDays('2026-12-01', x.day), x.start, x.end, x.assignee, x.role))
        const s = schedule(Object.fromEntries(shifts.map((x, i) => [`s${i}`, x])), staff)
        const rule = { role: 'nurse', start, end, min }
        const [expected] = coverageOf(s, { from: '2026-12-01', to: '2026-12-01' }, [rule])
        const near = shifts.filter((x) => Math.abs(dayNumber(x.date) - dayNumber('2026-12-01')) <= 1)
        expect(staffedDuring(near, (id) => s.staff[id], rule, '2026-12-01')).toBe(expected!.staffed)
      }),
      fcOptions(100),
    )
  })

  it('lenient: shifts with a malformed date or time are not counted', () => {
    const rule = { role: 'nurse', start: '07:00', end: '15:00', min: 1 }
    expect(staffedDuring([shift('', '07:00', '15:00'), shift('2026-12-01', '7:00', '15:00')], (id) => staff[id as 'ana'], rule, '2026-12-01')).toBe(0)
    expect(staffedDuring([shift('2026-12-01', '07:00', '15:00')], (id) => staff[id as 'ana'], rule, '2026-12-01')).toBe(1)
  })
})

describe('dayNumber', () => {
  it('is consistent with addDays across years', () => {
    expect(dayNumber('2027-01-01') - dayNumber('2026-12-31')).toBe(1)
    expect(dayNumber('1970-01-01')).toBe(0)
  })
})
