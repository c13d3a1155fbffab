import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'
import { fromJSON, toJSON } from './json.ts'
import { applyOps } from './ops.ts'
import { setSettings } from './operations.ts'
import { shiftInterval, shiftMinutes } from './queries.ts'
import {
  minutesOnDate, restBefore, REST_LOOKBACK_DAYS, ruleShift, runFrom, runStartOf, shiftDayMinutes, workLimit, workRuleBreaches, type WorkBreach,
} from './rules.ts'
import { type ScheduleJSON, type ShiftJSON, type WorkRules, checkScalar, isValidScalar, readWorkRules } from './schema.ts'
import { fcOptions } from './testing/arbitraries.ts'
import { addDays, dayNumber, formatInstant } from './time.ts'

const shift = (date: string, start: string, end: string, assignee: string | null = 'ana', role = 'nurse'): ShiftJSON =>
  ({ date, start, end, role, requiredSkill: null, assignee, notes: '' })
const schedule = (shifts: Record<string, ShiftJSON>, workRules: WorkRules): ScheduleJSON => ({
  staff: { ana: { name: 'Ana', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] }, dov: { name: 'Dov', role: 'doctor', skills: [], maxHoursPerWeek: 40, unavailable: [] } },
  shifts,
  settings: { name: '', timezone: 'Europe/Berlin', weekStartsOn: 'monday', coverage: [], workRules },
})
const rulesOf = (b: WorkBreach[]): string[] => b.map((x) => x.rule)
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError)
    return (err as ModelError).code
  }
  return undefined
}

// Sunday 2026-11-29 / Monday 2026-11-30: a week boundary (weeks from Monday) in the middle of the dates drawn.
const DATES = ['2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']
const TIMES = ['00:00', '06:00', '07:00', '13:00', '14:00', '15:00', '22:00', '23:30']
const shiftArb = fc.record({ date: fc.constantFrom(...DATES), start: fc.constantFrom(...TIMES), end: fc.constantFrom(...TIMES) })
const shiftsArb = fc.array(shiftArb, { maxLength: 7 }).map((list) => list.map((s, i) => ({ id: `s${i}`, shift: shift(s.date, s.start, s.end) })))

describe('settings.workRules (the layout)', () => {
  it('is absent by default, and set, read and replaced whole as one value', () => {
    const doc = new Y.Doc()
    expect(toJSON(doc).settings.workRules).toBeUndefined()
    expect(JSON.stringify(toJSON(doc).settings)).toBe('{"name":"","timezone":"UTC","weekStartsOn":"monday","coverage":[]}')
    applyOps(doc, [{ op: 'set', path: 'settings.workRules', value: { maxShiftHours: 12, minRestHours: 11, roles: { doctor: { maxShiftHours: 24, minRestHours: null } } } }])
    // Normalised: fixed key order.
    expect(JSON.stringify(toJSON(doc).settings.workRules)).toBe('{"minRestHours":11,"maxShiftHours":12,"roles":{"doctor":{"minRestHours":null,"maxShiftHours":24}}}')
    setSettings(doc, { workRules: { maxConsecutiveDays: 6 } })
    expect(toJSON(doc).settings.workRules).toEqual({ maxConsecutiveDays: 6 })
    // Replacing all settings without workRules removes them.
    applyOps(doc, [{ op: 'set', path: 'settings', value: { name: 'W' } }])
    expect(doc.getMap('settings').has('workRules')).toBe(false)
    expect(toJSON(fromJSON({ settings: { workRules: { maxDayHours: 13 } } })).settings.workRules).toEqual({ maxDayHours: 13 })
  })

  it('refuses bad rules with stable codes and changes nothing', () => {
    const doc = new Y.Doc()
    const set = (value: unknown) => () => applyOps(doc, [{ op: 'set', path: 'settings.workRules', value }])
    expect(codeOf(set({ maxRestHours: 3 }))).toBe(ModelErrorCode.UnknownPath)
    expect(codeOf(set({ maxConsecutiveDays: 2.5 }))).toBe(ModelErrorCode.InvalidValue)
    expect(codeOf(set({ maxConsecutiveDays: 0 }))).toBe(ModelErrorCode.InvalidValue)
    expect(codeOf(set({ maxShiftHours: 25 }))).toBe(ModelErrorCode.InvalidValue)
    expect(codeOf(set({ maxDayHours: 0 }))).toBe(ModelErrorCode.InvalidValue)
    expect(codeOf(set({ minRestHours: '11' }))).toBe(ModelErrorCode.WrongType)
    expect(codeOf(set({ minRestHours: null }))).toBe(ModelErrorCode.WrongType)
    expect(codeOf(set({ roles: { nurse: { maxShiftHours: 'x' } } }))).toBe(ModelErrorCode.WrongType)
    expect(codeOf(set({ roles: { nurse: { roles: {} } } }))).toBe(ModelErrorCode.UnknownPath)
    expect(codeOf(set({ roles: { ' ': {} } }))).toBe(ModelErrorCode.InvalidValue)
    expect(codeOf(set(null))).toBe(ModelErrorCode.WrongType)
    expect(codeOf(set([]))).toBe(ModelErrorCode.WrongType)
    expect(doc.getMap('settings').has('workRules')).toBe(false)
  })

  it('reads a foreign writer\'s rules leniently: bad limits and overrides are left out', () => {
    expect(readWorkRules('x')).toBeUndefined()
    expect(readWorkRules({ minRestHours: -1, maxShiftHours: 10, other: 1, roles: { nurse: { maxDayHours: null, minRestHours: 'a' }, ' ': {}, doc: 3 } }))
      .toEqual({ maxShiftHours: 10, roles: { nurse: { maxDayHours: null } } })
    const doc = new Y.Doc()
    doc.getMap('settings').set('workRules', { maxShiftHours: 99 })
    expect(toJSON(doc).settings.workRules).toEqual({})
  })

  it('property: the lenient predicate accepts exactly what the validator accepts', () => {
    const limit = fc.oneof(fc.constantFrom(null, '8', 0, 0.5, 1, 8, 11, 24, 25, 168, 169, 366, 367, Number.NaN), fc.double(), fc.integer({ min: -1, max: 400 }))
    const limits = fc.record({ minRestHours: limit, maxConsecutiveDays: limit, maxShiftHours: limit, maxDayHours: limit, extra: fc.anything() }, { requiredKeys: [] })
    const rules = fc.record({ minRestHours: limit, maxConsecutiveDays: limit, maxShiftHours: limit, maxDayHours: limit, roles: fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom('nurse', '', ' ', 'doctor'), fc.oneof(limits, fc.anything()))) }, { requiredKeys: [] })
    fc.assert(fc.property(fc.oneof(rules, fc.anything()), (v) => {
      let ok = true
      try {
        checkScalar('workRules', v, 'p')
      } catch {
        ok = false
      }
      expect(isValidScalar('workRules', v)).toBe(ok)
      if (ok) expect(readWorkRules(v)).toEqual(checkScalar('workRules', v, 'p'))
    }), fcOptions(400))
  })
})

describe('workLimit: per-role overrides', () => {
  const rules: WorkRules = { minRestHours: 11, maxShiftHours: 12, roles: { doctor: { maxShiftHours: 24, minRestHours: null }, nurse: {} } }
  it('a role\'s number replaces the team\'s, its null waives the rule, an absent key falls back', () => {
    expect(workLimit(rules, 'maxShiftHours', 'doctor')).toBe(24)
    expect(workLimit(rules, 'minRestHours', 'doctor')).toBeNull()
    expect(workLimit(rules, 'minRestHours', 'nurse')).toBe(11)
    expect(workLimit(rules, 'minRestHours', undefined)).toBe(11)
    expect(workLimit(rules, 'maxDayHours', 'nurse')).toBeNull()
    expect(workLimit(undefined, 'maxDayHours', 'nurse')).toBeNull()
  })
})

describe('rest between shifts (minRestHours)', () => {
  it('a night shift then an early shift the next morning is a short rest, across the week boundary too', () => {
    const s = schedule({ n: shift('2026-11-29', '22:00', '06:00'), e: shift('2026-11-30', '14:00', '22:00') }, { minRestHours: 11 })
    expect(workRuleBreaches(s)).toEqual([{ rule: 'minRestHours', staffId: 'ana', shifts: ['n', 'e'], hours: 8, limit: 11 }])
  })

  it('exactly the minimum is enough; a minute less is not', () => {
    const at = schedule({ a: shift('2026-11-30', '07:00', '15:00'), b: shift('2026-12-01', '02:00', '07:00') }, { minRestHours: 11 })
    expect(workRuleBreaches(at)).toEqual([])
    const under = schedule({ a: shift('2026-11-30', '07:00', '15:01'), b: shift('2026-12-01', '02:00', '07:00') }, { minRestHours: 11 })
    expect(rulesOf(workRuleBreaches(under))).toEqual(['minRestHours'])
  })

  it('back-to-back shifts are a rest of 0; overlapping shifts are a double booking, not a rest', () => {
    const b2b = schedule({ a: shift('2026-11-30', '07:00', '15:00'), b: shift('2026-11-30', '15:00', '23:00') }, { minRestHours: 1 })
    expect(workRuleBreaches(b2b)).toEqual([{ rule: 'minRestHours', staffId: 'ana', shifts: ['a', 'b'], hours: 0, limit: 1 }])
    const overlap = schedule({ a: shift('2026-11-30', '07:00', '15:00'), b: shift('2026-11-30', '14:00', '23:00') }, { minRestHours: 1 })
    expect(workRuleBreaches(overlap)).toEqual([])
  })

  it('a role that waives the rule has no rest breaches', () => {
    const s = schedule({ a: shift('2026-11-30', '07:00', '15:00', 'dov', 'doctor'), b: shift('2026-11-30', '16:00', '20:00', 'dov', 'doctor') }, { minRestHours: 11, roles: { doctor: { minRestHours: null } } })
    expect(workRuleBreaches(s)).toEqual([])
  })

  it(`property: the rest before a shift, looked for only ${REST_LOOKBACK_DAYS} days back, is the rest looked for everywhere whenever it can be short`, () => {
    const far = fc.array(fc.record({ days: fc.integer({ min: 0, max: 12 }), start: fc.constantFrom(...TIMES), end: fc.constantFrom(...TIMES) }), { minLength: 1, maxLength: 8 })
    fc.assert(fc.property(far, fc.integer({ min: 0, max: 168 }), (list, minRest) => {
      const timed = list.map((s, i) => ruleShift(`s${i}`, shift(addDays('2026-11-20', s.days), s.start, s.end))!)
      for (const [i, s] of timed.entries()) {
        const near = timed.filter((o, j) => dayNumber(addDays('2026-11-20', list[j]!.days)) >= dayNumber(addDays('2026-11-20', list[i]!.days)) - REST_LOOKBACK_DAYS)
        const all = restBefore(s, timed)
        const windowed = restBefore(s, near)
        const short = (r: typeof all): boolean => r !== null && r.minutes < minRest * 60
        expect(short(windowed)).toBe(short(all))
        if (short(all)) expect(windowed).toEqual(all)
      }
    }), fcOptions(300))
  })

  it('property: a rest is the idle time before a shift, counted minute by minute', () => {
    fc.assert(fc.property(shiftsArb, (list) => {
      const timed = list.map(({ id, shift: s }) => ruleShift(id, s)!)
      for (const s of timed) {
        const rest = restBefore(s, timed)
        if (rest === null) continue
        // No earlier shift is on during the rest, and the one before it ends as the rest starts.
        const earlier = timed.filter((o) => o.id !== s.id && (o.start < s.start || (o.start === s.start && (o.end < s.end || (o.end === s.end && o.id < s.id)))))
        for (let m = s.start - rest.minutes; m < s.start; m++) expect(earlier.some((o) => o.start <= m && m < o.end), formatInstant(m)).toBe(false)
        expect(earlier.find((o) => o.id === rest.before)!.end).toBe(s.start - rest.minutes)
      }
    }), fcOptions(60))
  })
})

describe('hours per day (maxDayHours) and shift length (maxShiftHours)', () => {
  it('a shift across midnight counts on both dates, split there', () => {
    expect(shiftDayMinutes(shift('2026-11-29', '22:00', '06:00'))).toEqual([{ date: '2026-11-29', minutes: 120 }, { date: '2026-11-30', minutes: 360 }])
    expect(shiftDayMinutes(shift('2026-11-29', '08:00', '00:00'))).toEqual([{ date: '2026-11-29', minutes: 960 }])
    expect(shiftDayMinutes(shift('2026-11-29', '', '06:00'))).toEqual([])
  })

  it('exactly the maximum is fine; a minute over is not', () => {
    const at = schedule({ a: shift('2026-11-30', '06:00', '14:00'), b: shift('2026-11-30', '16:00', '20:00') }, { maxDayHours: 12, maxShiftHours: 8 })
    expect(workRuleBreaches(at)).toEqual([])
    const over = schedule({ a: shift('2026-11-30', '06:00', '14:01'), b: shift('2026-11-30', '16:00', '20:00') }, { maxDayHours: 12, maxShiftHours: 8 })
    expect(rulesOf(workRuleBreaches(over))).toEqual(['maxShiftHours', 'maxDayHours'])
  })

  it('shift length applies to unassigned shifts too, by the shift\'s role', () => {
    const s = schedule({ a: shift('2026-11-30', '08:00', '08:00', null), d: shift('2026-11-30', '08:00', '08:00', null, 'doctor') }, { maxShiftHours: 12, roles: { doctor: { maxShiftHours: 24 } } })
    expect(workRuleBreaches(s)).toEqual([{ rule: 'maxShiftHours', shiftId: 'a', staffId: null, hours: 24, limit: 12 }])
  })

  it('property: minutes on a date equal a minute-by-minute count, and sum to the shift\'s length', () => {
    fc.assert(fc.property(shiftsArb, fc.constantFrom(...DATES, '2026-12-03'), (list, date) => {
      for (const { shift: s } of list) expect(shiftDayMinutes(s).reduce((a, d) => a + d.minutes, 0)).toBe(shiftMinutes(s))
      let count = 0
      const from = dayNumber(date) * 1440
      for (let m = from; m < from + 1440; m++) for (const { shift: s } of list) if (shiftInterval(s).start <= m && m < shiftInterval(s).end) count++
      expect(minutesOnDate(list.map((x) => x.shift), date)).toBe(count)
    }), fcOptions(150))
  })
})

describe('consecutive working days (maxConsecutiveDays)', () => {
  const days = (from: string, n: number, start = '07:00', end = '15:00'): Record<string, ShiftJSON> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`d${i}`, shift(addDays(from, i), start, end)]))

  it('a run across the week boundary is one run; exactly the maximum is fine', () => {
    expect(workRuleBreaches(schedule(days('2026-11-26', 6), { maxConsecutiveDays: 6 }))).toEqual([])
    const over = workRuleBreaches(schedule(days('2026-11-26', 7), { maxConsecutiveDays: 6 }))
    expect(over).toEqual([{ rule: 'maxConsecutiveDays', staffId: 'ana', from: '2026-11-26', to: '2026-12-02', days: 7, limit: 6, shifts: ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6'] }])
  })

  it('nights count the dates they start on, not the mornings they end on', () => {
    expect(workRuleBreaches(schedule(days('2026-11-26', 5, '22:00', '06:00'), { maxConsecutiveDays: 5 }))).toEqual([])
  })

  it('property: runs partition the worked dates; a run breaches exactly when longer than the maximum', () => {
    fc.assert(fc.property(fc.subarray(Array.from({ length: 20 }, (_, i) => addDays('2026-11-20', i))), fc.integer({ min: 1, max: 8 }), (worked, max) => {
      const set = new Set(worked)
      const worksOn = (d: string): boolean => set.has(d)
      const covered: string[] = []
      for (const d of worked) {
        const run = runFrom(worksOn, d)
        expect(runStartOf(worksOn, d)).not.toBeNull()
        if (!run) continue
        for (let i = 0; i < run.days; i++) covered.push(addDays(run.from, i))
        expect(set.has(addDays(run.to, 1))).toBe(false)
        expect(runFrom(worksOn, d, max)!.days).toBe(Math.min(run.days, max + 1))
      }
      expect(covered.sort()).toEqual([...worked].sort())
      const s = schedule(Object.fromEntries(worked.map((d, i) => [`w${i}`, shift(d, '09:00', '17:00')])), { maxConsecutiveDays: max })
      const breaches = workRuleBreaches(s)
      for (const b of breaches) expect(b.rule === 'maxConsecutiveDays' && b.days > max).toBe(true)
      expect(breaches.length).toBe(worked.filter((d) => runFrom(worksOn, d) !== null && runFrom(worksOn, d)!.days > max).length)
    }), fcOptions(200))
  })
})

describe('several rules at once', () => {
  it('one long shift after a short rest breaks rest, length and day hours together; each is reported once', () => {
    const s = schedule({ a: shift('2026-11-30', '00:00', '04:00'), b: shift('2026-11-30', '06:00', '20:00') }, { minRestHours: 11, maxShiftHours: 12, maxDayHours: 12, maxConsecutiveDays: 1 })
    expect(rulesOf(workRuleBreaches(s))).toEqual(['maxShiftHours', 'minRestHours', 'maxDayHours'])
    expect(workRuleBreaches(s, { staffId: 'dov' })).toEqual([])
  })

  it('property: every breach is of a set rule and over (or under) its limit; no rules, no breaches', () => {
    const limits = fc.record({ minRestHours: fc.integer({ min: 0, max: 24 }), maxConsecutiveDays: fc.integer({ min: 1, max: 4 }), maxShiftHours: fc.integer({ min: 1, max: 24 }), maxDayHours: fc.integer({ min: 1, max: 24 }) }, { requiredKeys: [] })
    fc.assert(fc.property(shiftsArb, limits, (list, rules) => {
      const s = schedule(Object.fromEntries(list.map(({ id, shift: x }) => [id, x])), rules)
      expect(workRuleBreaches({ ...s, settings: { ...s.settings, workRules: undefined } })).toEqual([])
      for (const b of workRuleBreaches(s)) {
        const limit = rules[b.rule]
        expect(limit).toBe(b.limit)
        if (b.rule === 'minRestHours') expect(b.hours).toBeLessThan(b.limit)
        else if (b.rule === 'maxConsecutiveDays') expect(b.days).toBeGreaterThan(b.limit)
        else expect(b.hours).toBeGreaterThan(b.limit)
      }
    }), fcOptions(200))
  })
})
