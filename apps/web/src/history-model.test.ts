import { describe, it, expect } from 'vitest'
import type { ScheduleJSON } from '@rota/model'
import { describeChange, timeline } from './history-model.ts'

const schedule: ScheduleJSON = {
  settings: { name: '', timezone: 'UTC', weekStartsOn: 'monday', coverage: [] },
  staff: { ana: { name: 'Ana', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] } },
  shifts: {},
}

describe('history timeline', () => {
  it('puts changes into words', () => {
    expect(describeChange(schedule, { path: 'shifts.s1.assignee', kind: 'set', value: 'ana' })).toBe('assigned Ana')
    expect(describeChange(schedule, { path: 'shifts.s1.assignee', kind: 'set', value: null })).toBe('unassigned a shift')
    expect(describeChange(schedule, { path: 'shifts.s1.assignee', kind: 'set' })).toBe('changed an assignment')
    expect(describeChange(schedule, { path: 'shifts.s1', kind: 'delete' })).toBe('removed a shift')
    expect(describeChange(schedule, { path: 'staff.bo', kind: 'set', value: { name: 'Bo' } })).toBe('added Bo')
    expect(describeChange(schedule, { path: 'staff.ana.maxHoursPerWeek', kind: 'set', value: 30 })).toBe("changed Ana's max hours")
    expect(describeChange(schedule, { path: 'settings.coverage', kind: 'set' })).toBe('changed the coverage rules')
  })

  it('orders newest first and counts repeats', () => {
    const items = timeline(schedule, [
      { seq: 1, actor: 'maria', origin: 'ws', time: '2026-11-25T09:00:00Z', changes: [{ path: 'shifts.a', kind: 'set' }, { path: 'shifts.b', kind: 'set' }] },
      { seq: 2, actor: 'tom', origin: 'restore', time: '2026-11-25T10:00:00Z', changes: [] },
    ])
    expect(items.map((i) => i.seq)).toEqual([2, 1])
    expect(items[1]!.what).toBe('added a shift ×2')
    expect(items[0]!.what).toBe('restored an earlier version')
    expect(items[0]!.when.toISOString()).toBe('2026-11-25T10:00:00.000Z')
  })
})
