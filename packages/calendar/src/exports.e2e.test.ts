import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parse } from 'csv-parse/sync'
import { shiftMinutes, weekStartOf, weeklyHours, WEEKDAYS, type ScheduleJSON } from '@rota/model'
import { call, startCalendarServer, tempDir, token, type CalendarServer } from './testing.ts'

let s: CalendarServer
let remove: () => void
let manager: string
beforeAll(async () => {
  const t = tempDir()
  remove = t.remove
  s = await startCalendarServer(t.dir, () => Date.UTC(2026, 2, 20, 12))
  manager = await token({ sub: 'maria', tenant: 'acme', role: 'manager' })
})
afterAll(async () => {
  await s.close()
  remove()
})

const set = (path: string, value: unknown) => ({ op: 'set', path, value })
const docPath = (doc: string) => `/api/docs/${encodeURIComponent(doc)}`
// What the CSV must say for each person's name: formula starts guarded with an apostrophe.
const names: Record<string, string> = { ana: 'Ana', ben: "'+Ben", cy: `'@Cy, "C"` }
const csvRows = (text: string): Array<Record<string, string>> => parse(text, { columns: true, record_delimiter: '\r\n' })

const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 20, 30, 45)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)
const date = fc.integer({ min: 1, max: 31 }).map((d) => `2026-03-${String(d).padStart(2, '0')}`)
const shiftArb = fc.record({ date, start: time, end: time, assignee: fc.constantFrom('ana', 'ben', 'cy', null), notes: fc.constantFrom('', 'late, "back" door', '=1+1', 'line\nbreak') })
const scheduleArb = fc.record({
  weekStartsOn: fc.constantFrom(...WEEKDAYS),
  shifts: fc.array(shiftArb, { maxLength: 12 }),
  range: fc.tuple(date, date).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a })),
})

let docs = 0
type Generated = typeof scheduleArb extends fc.Arbitrary<infer T> ? T : never
const seed = async (input: Generated): Promise<{ doc: string; schedule: ScheduleJSON }> => {
  const doc = `acme/gen-${++docs}`
  const ops = [
    set('settings.weekStartsOn', input.weekStartsOn),
    set('staff.ana', { name: 'Ana', role: 'nurse' }), set('staff.ben', { name: '+Ben', role: 'nurse' }), set('staff.cy', { name: '@Cy, "C"', role: 'nurse' }),
    ...input.shifts.map((sh, i) => set(`shifts.s${i}`, { ...sh, role: 'nurse' })),
  ]
  const res = await call(s.server, 'PATCH', docPath(doc), manager, { ops })
  expect(res.status, res.text).toBe(200)
  const read = await call<{ schedule: ScheduleJSON }>(s.server, 'GET', docPath(doc), manager)
  return { doc, schedule: read.body.schedule }
}

describe('CSV exports over REST', () => {
  it('[EXP1] hours.csv is exactly @rota/model\'s weekly hours of the weeks touching the range (generated schedules)', async () => {
    await fc.assert(fc.asyncProperty(scheduleArb, async (input) => {
      const { doc, schedule } = await seed(input)
      const res = await call(s.server, 'GET', `${docPath(doc)}/exports/hours.csv?from=${input.range.from}&to=${input.range.to}`, manager)
      expect(res.status).toBe(200)
      expect(res.type).toMatch(/^text\/csv/)
      const firstWeek = weekStartOf(input.range.from, input.weekStartsOn)
      const expected = Object.entries(weeklyHours(schedule)).flatMap(([staffId, weeks]) => Object.entries(weeks)
        .filter(([week]) => week >= firstWeek && week <= input.range.to)
        .map(([week, hours]) => ({ staff_id: staffId, staff_name: names[staffId] ?? '', week_start: week, hours: String(hours), minutes: String(Math.round(hours * 60)) })))
      expect(csvRows(res.text)).toEqual(expected)
      for (const row of csvRows(res.text)) expect(Number(row.hours)).toBe(weeklyHours(schedule)[row.staff_id!]![row.week_start!])
    }), { numRuns: 12 })
  })

  it('[EXP2] shifts.csv: the shifts dated in the range, RFC 4180 quoting, formula cells guarded', async () => {
    await fc.assert(fc.asyncProperty(scheduleArb, async (input) => {
      const { doc, schedule } = await seed(input)
      const res = await call(s.server, 'GET', `${docPath(doc)}/exports/shifts.csv?from=${input.range.from}&to=${input.range.to}`, manager)
      expect(res.status).toBe(200)
      const rows = csvRows(res.text)
      const inRange = Object.entries(schedule.shifts).filter(([, sh]) => sh.date >= input.range.from && sh.date <= input.range.to)
      expect(rows.map((r) => r.shift_id).sort()).toEqual(inRange.map(([id]) => id).sort())
      for (const row of rows) {
        const sh = schedule.shifts[row.shift_id!]!
        expect(row).toEqual({
          shift_id: row.shift_id, date: sh.date, start: sh.start, end: sh.end, hours: String(shiftMinutes(sh) / 60), role: 'nurse', required_skill: '',
          assignee: sh.assignee ?? '', assignee_name: sh.assignee === null ? '' : names[sh.assignee],
          notes: sh.notes.startsWith('=') ? `'${sh.notes}` : sh.notes,
        })
      }
    }), { numRuns: 8 })
  })

  it('[EXP3] bad ranges, unknown documents and other tenants are refused with stable codes', async () => {
    const { doc } = await seed({ weekStartsOn: 'monday', shifts: [], range: { from: '2026-03-01', to: '2026-03-02' } })
    const code = async (path: string, bearer: string | null = manager) => {
      const res = await call<{ error: { code: string } }>(s.server, 'GET', path, bearer ?? undefined)
      return [res.status, res.body?.error.code]
    }
    expect(await code(`${docPath(doc)}/exports/hours.csv?from=2026-03-09&to=2026-03-01`)).toEqual([400, 'ROTA_CALENDAR_BAD_RANGE'])
    expect(await code(`${docPath(doc)}/exports/hours.csv?from=2026-3-1&to=2026-03-01`)).toEqual([400, 'ROTA_CALENDAR_BAD_RANGE'])
    expect(await code(`${docPath(doc)}/exports/shifts.csv?from=2026-01-01&to=2028-01-10`)).toEqual([400, 'ROTA_CALENDAR_BAD_RANGE'])
    expect(await code(`${docPath(doc)}/exports/shifts.csv?from=2026-03-01`)).toEqual([400, 'ROTA_ERR_BAD_REQUEST'])
    expect(await code(`${docPath('acme/none')}/exports/hours.csv?from=2026-03-01&to=2026-03-02`)).toEqual([404, 'ROTA_ERR_DOC_NOT_FOUND'])
    expect(await code(`${docPath(doc)}/exports/hours.csv?from=2026-03-01&to=2026-03-02&at=99`)).toEqual([400, 'ROTA_ERR_BAD_VERSION'])
    expect(await code(`${docPath(doc)}/exports/hours.csv?from=2026-03-01&to=2026-03-02`, await token({ sub: 'b', tenant: 'bolt', role: 'manager' }))).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    expect(await code(`${docPath(doc)}/exports/hours.csv?from=2026-03-01&to=2026-03-02`, null)).toEqual([401, 'ROTA_AUTH_MISSING'])
    // A staff reader of the document may export it, as it may read it.
    const staff = await token({ sub: 'ana-user', tenant: 'acme', role: 'staff', staffId: 'ana' })
    expect((await call(s.server, 'GET', `${docPath(doc)}/exports/hours.csv?from=2026-03-01&to=2026-03-02`, staff)).text).toBe('staff_id,staff_name,week_start,hours,minutes\r\n')
  })
})
