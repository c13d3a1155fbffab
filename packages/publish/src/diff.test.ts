import { describe, expect, it } from 'vitest'
import type { ShiftJSON } from '@rota/model'
import { changesByPerson, changesFor } from './diff.ts'
import { isShortNotice, wallClockNow } from './notice.ts'

const shift = (date: string, assignee: string | null, extra: Partial<ShiftJSON> = {}): ShiftJSON => ({
  date, start: '08:00', end: '16:00', role: 'nurse', requiredSkill: null, assignee, notes: '', ...extra,
})
const week = { from: '2026-03-02', to: '2026-03-08' }
const never = () => false

describe('changes per person between two published states', () => {
  it('names new, changed, removed and reassigned shifts from each side', () => {
    const before = { shifts: { s1: shift('2026-03-02', 'ana'), s2: shift('2026-03-03', 'ana'), s3: shift('2026-03-04', 'ben'), s5: shift('2026-03-05', 'ana') } }
    const after = {
      shifts: {
        s1: shift('2026-03-02', 'ana', { start: '09:00' }), // changed
        s2: shift('2026-03-03', 'ben'), // reassigned ana → ben
        // s3 removed
        s4: shift('2026-03-06', 'ana'), // new
        s5: shift('2026-03-05', null), // open again: removed for ana
      },
    }
    const byPerson = changesByPerson(before, after, week, never)
    expect([...byPerson.keys()]).toEqual(['ana', 'ben'])
    expect(byPerson.get('ana')!.map((c) => [c.kind, c.shift, c.from, c.to])).toEqual([
      ['changed', 's1', undefined, undefined],
      ['reassigned', 's2', 'ana', 'ben'],
      ['new', 's4', undefined, undefined],
      ['removed', 's5', undefined, undefined],
    ])
    expect(byPerson.get('ben')!.map((c) => [c.kind, c.shift, c.from, c.to])).toEqual([
      ['reassigned', 's2', 'ana', 'ben'],
      ['removed', 's3', undefined, undefined],
    ])
    expect(byPerson.get('ben')![1]).toMatchObject({ before: before.shifts.s3, after: null })
  })

  it('counts a shift moved out of the range as changed, and leaves out shifts outside it', () => {
    const before = { shifts: { s1: shift('2026-03-08', 'ana'), s9: shift('2026-04-01', 'ana') } }
    const after = { shifts: { s1: shift('2026-03-09', 'ana'), s9: shift('2026-04-02', 'ana') } }
    expect(changesFor('ana', before, after, week, never).map((c) => [c.kind, c.shift])).toEqual([['changed', 's1']])
  })

  it('tells nobody about an unchanged shift or an open one', () => {
    const same = { shifts: { s1: shift('2026-03-02', 'ana'), s2: shift('2026-03-02', null) } }
    expect(changesByPerson(same, same, week, never).size).toBe(0)
  })
})

describe('short notice', () => {
  // 2026-02-20 12:00 UTC, the schedule in UTC.
  const now = wallClockNow('UTC', Date.UTC(2026, 1, 20, 12, 0))

  it('marks a change to a shift starting within the notice period, by the earlier start', () => {
    expect(isShortNotice(null, shift('2026-03-02', 'ana'), now, 14)).toBe(true) // 9 days 20 hours away
    expect(isShortNotice(null, shift('2026-03-08', 'ana'), now, 14)).toBe(false) // 15 days 20 hours away
    expect(isShortNotice(shift('2026-03-02', 'ana'), shift('2026-03-20', 'ana'), now, 14)).toBe(true)
    expect(isShortNotice(null, shift('2026-03-02', 'ana'), now, 0)).toBe(false)
  })

  it('reads now in the schedule\'s time zone, and UTC for a zone no one knows', () => {
    const instant = Date.UTC(2026, 1, 20, 23, 30)
    expect(wallClockNow('Asia/Tokyo', instant) - wallClockNow('UTC', instant)).toBe(9 * 60)
    expect(wallClockNow('Not/AZone', instant)).toBe(wallClockNow('UTC', instant))
  })
})
