import { describe, expect, it } from 'vitest'
import { fromJSON, toJSON, type ScheduleJSON } from '@rota/model'
import { guardCell, hoursCsv, shiftsCsv } from './csv.ts'

/** Through the model, so the schedule is one the model accepts. */
const schedule = (input: Partial<ScheduleJSON>): ScheduleJSON => toJSON(fromJSON(input))

describe('CSV format', () => {
  it('[CSV1] guards cells a spreadsheet would run as a formula', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'a=b', '', 'Ana'].map(guardCell)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", 'a=b', '', 'Ana'])
  })

  it('[CSV2] pins the bytes: header, CRLF, RFC 4180 quoting; a shift across the week boundary counts in both weeks', () => {
    const s = schedule({
      settings: { name: 'W', timezone: 'Europe/Berlin', weekStartsOn: 'monday', coverage: [] },
      staff: { ana: { name: 'Ana "A", RN', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] } },
      shifts: {
        s1: { date: '2026-03-08', start: '22:00', end: '06:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '=HYPERLINK("x")' },
        s2: { date: '2026-03-09', start: '08:00', end: '08:20', role: 'nurse', requiredSkill: 'icu', assignee: null, notes: 'two\nlines' },
      },
    })
    expect(hoursCsv(s, { from: '2026-03-02', to: '2026-03-15' })).toBe(
      'staff_id,staff_name,week_start,hours,minutes\r\n' +
      'ana,"Ana ""A"", RN",2026-03-02,2,120\r\n' +
      'ana,"Ana ""A"", RN",2026-03-09,6,360\r\n')
    // Only the weeks touching the range.
    expect(hoursCsv(s, { from: '2026-03-10', to: '2026-03-10' })).toBe('staff_id,staff_name,week_start,hours,minutes\r\nana,"Ana ""A"", RN",2026-03-09,6,360\r\n')
    expect(shiftsCsv(s, { from: '2026-03-01', to: '2026-03-31' })).toBe(
      'shift_id,date,start,end,hours,role,required_skill,assignee,assignee_name,notes\r\n' +
      's1,2026-03-08,22:00,06:00,8,nurse,,ana,"Ana ""A"", RN","\'=HYPERLINK(""x"")"\r\n' +
      's2,2026-03-09,08:00,08:20,0.3333333333333333,nurse,icu,,,"two\nlines"\r\n')
  })
})
