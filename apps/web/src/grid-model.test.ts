import { describe, it, expect } from 'vitest'
import type { ScheduleJSON } from '@rota/model'
import { buildWeekGrid } from './grid-model.ts'

const schedule = (): ScheduleJSON => ({
  settings: { name: 'Ward 3', timezone: 'Europe/Berlin', weekStartsOn: 'monday', coverage: [{ role: 'nurse', start: '07:00', end: '15:00', min: 2 }] },
  staff: {
    ana: { name: 'Ana', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 16, unavailable: ['2026-11-25'] },
    ben: { name: 'Ben', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] },
  },
  shifts: {
    s1: { date: '2026-11-23', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: 'icu', assignee: 'ana', notes: '' },
    s2: { date: '2026-11-23', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: 'icu', assignee: 'ben', notes: '' },
    s3: { date: '2026-11-23', start: '22:00', end: '06:00', role: 'nurse', requiredSkill: null, assignee: 'ben', notes: '' },
    s4: { date: '2026-11-24', start: '05:00', end: '13:00', role: 'nurse', requiredSkill: null, assignee: 'ben', notes: '' },
    s5: { date: '2026-11-25', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' },
    s6: { date: '2026-11-26', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' },
    s7: { date: '2026-11-27', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'gone', notes: '' },
    s8: { date: '2026-11-30', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: null, notes: 'next week' },
  },
})

describe('week grid view model', () => {
  const grid = buildWeekGrid(schedule(), '2026-11-23')
  const card = (id: string) => grid.rows.flatMap((r) => r.cells.flat()).find((c) => c.id === id)!

  it('puts open and dangling shifts in the first row and only this week', () => {
    expect(grid.days).toHaveLength(7)
    expect(grid.rows.map((r) => r.staffId)).toEqual([null, 'ana', 'ben'])
    expect(grid.rows[0]!.cells.flat().map((c) => c.id)).toEqual(['s6', 's7'])
    expect(grid.totals).toEqual({ shifts: 7, unfilled: 2, gaps: 6, overHours: 0, breaches: 0 })
  })

  it('flags skill, availability and cross-midnight overlaps', () => {
    expect(card('s2').problems).toContain('skill')
    expect(card('s1').problems).toEqual([])
    expect(card('s5').problems).toContain('unavailable')
    expect(card('s3').problems).toContain('overlap')
    expect(card('s4').problems).toContain('overlap')
    expect(card('s7').problems).toEqual(['missing_assignee'])
  })

  it('sums weekly hours and marks people over their maximum, not at it', () => {
    expect(grid.rows[1]).toMatchObject({ hours: 16, over: false })
    const s = schedule()
    s.shifts.s9 = { date: '2026-11-28', start: '09:00', end: '10:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' }
    const over = buildWeekGrid(s, '2026-11-23')
    expect(over.rows[1]).toMatchObject({ hours: 17, over: true })
    expect(over.totals.overHours).toBe(1)
    expect(over.rows[1]!.cells[5]![0]!.problems).toContain('over_hours')
  })

  it('reports coverage gaps per day', () => {
    expect(grid.gaps[0]).toEqual([])
    expect(grid.gaps[1]).toEqual([{ role: 'nurse', start: '07:00', end: '15:00', min: 2, have: 0 }])
    expect(grid.gaps[2]![0]!.have).toBe(1)
  })

  describe('working-time rules (settings.workRules)', () => {
    const ruled = (): ScheduleJSON => {
      const s = schedule()
      s.settings.workRules = { minRestHours: 11, maxShiftHours: 8, maxDayHours: 10, maxConsecutiveDays: 2, roles: { doctor: { maxShiftHours: 24 } } }
      // ana: s1 Monday 07–15, then s9 Monday 20–04 (5 h rest, 8 h: at the shift maximum), s5 Wednesday.
      s.shifts.s9 = { date: '2026-11-23', start: '20:00', end: '04:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' }
      // An open 12-hour shift: too long, whoever takes it.
      s.shifts.s10 = { date: '2026-11-26', start: '07:00', end: '19:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' }
      return s
    }
    const g = buildWeekGrid(ruled(), '2026-11-23')
    const find = (id: string) => g.rows.flatMap((r) => r.cells.flat()).find((c) => c.id === id)!

    it('flags the shifts of each breach, with the reason and its figures in words', () => {
      // ana is over her 16 weekly hours too; s9's 4 hours before midnight make Monday 12 hours.
      expect(find('s9').problems).toEqual(['over_hours', 'short_rest', 'long_day'])
      expect(find('s1').problems).toEqual(['over_hours', 'short_rest', 'long_day'])
      expect(find('s1').details).toContain('Rest between shifts too short: rest of 5 h between two shifts, below the minimum of 11 h')
      expect(find('s1').details).toContain('Too many hours in a day: 12 h on 2026-11-23, above the maximum of 10 h a day')
      expect(find('s10').problems).toEqual(['unfilled', 'too_long'])
      expect(find('s10').details).toEqual(['Unfilled', 'Shift too long: a 12 h shift, above the maximum of 8 h'])
      // Exactly 8 hours is at the maximum: s2 07–15 is fine.
      expect(find('s2').problems).not.toContain('too_long')
      // ana's rest and Monday, s10's length, and ben's: 7 h between s2 and s3, and Tuesday's 14 h (s3 and s4 overlap).
      expect(find('s3').problems).toEqual(['overlap', 'short_rest', 'long_day'])
      expect(g.totals.breaches).toBe(5)
    })

    it('shows nothing when the team has no rules', () => {
      expect(grid.rows.flatMap((r) => r.cells.flat()).flatMap((c) => c.problems).filter((p) => ['short_rest', 'too_many_days', 'too_long', 'long_day'].includes(p))).toEqual([])
    })
  })
})
