import { describe, it, expect } from 'vitest'
import type { ScheduleJSON } from '@rota/model'
import type { Conflict } from './api.ts'
import { conflictTitle, describePath, describeShift, groupConflicts, keepAllOption, percent } from './conflict-model.ts'

const conflict = (id: string, status: Conflict['status'], detectedAt: string): Conflict => ({
  id, kind: 'double_booking', status, detectedAt, resolvedAt: null, resolvedBy: null, appliedOptionId: null,
  refs: { shifts: ['s1', 's2'], staff: ['ana'], paths: [], coverage: null },
  edits: [{ editorId: 'maria', role: 'manager', clientTime: detectedAt, receivedAt: detectedAt }, { editorId: 'tom', role: 'lead', clientTime: detectedAt, receivedAt: detectedAt }],
  options: [
    { id: 'o1', keeps: ['maria'], label: 'Keep maria', ops: [] },
    { id: 'o2', keeps: ['tom'], label: 'Keep tom', ops: [] },
    { id: 'o3', keeps: ['tom', 'maria'], label: 'Keep both', ops: [] },
  ],
  suggestion: { optionId: 'o1', confidence: 0.934, strategy: 'first_writer_wins' },
})

describe('conflict inbox model', () => {
  it('groups by status, oldest open first', () => {
    const inbox = groupConflicts([
      conflict('b', 'open', '2026-11-25T10:00:00Z'), conflict('a', 'open', '2026-11-25T09:00:00Z'),
      conflict('c', 'auto_applied', '2026-11-25T09:00:00Z'), conflict('d', 'dismissed', '2026-11-25T08:00:00Z'),
    ])
    expect(inbox.open.map((c) => c.id)).toEqual(['a', 'b'])
    expect(inbox.auto.map((c) => c.id)).toEqual(['c'])
    expect(inbox.closed.map((c) => c.id)).toEqual(['d'])
  })

  it('finds the keep-all option and formats confidence', () => {
    expect(keepAllOption(conflict('a', 'open', ''))?.id).toBe('o3')
    expect(percent(0.934)).toBe('93%')
    expect(conflictTitle('double_booking')).toBe('Double booking')
    expect(conflictTitle('new_kind')).toBe('new kind')
  })

  it('describes shifts by what people recognise', () => {
    const schedule: ScheduleJSON = {
      settings: { name: '', timezone: 'UTC', weekStartsOn: 'monday', coverage: [] },
      staff: { ana: { name: 'Ana', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] } },
      shifts: { s1: { date: '2026-11-23', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' } },
    }
    expect(describeShift(schedule, 's1')).toBe('Mon 23 Nov 07:00–15:00 nurse · Ana')
    expect(describeShift(schedule, 'zz')).toBe('zz (deleted)')
    expect(describePath(schedule, 'shifts.s1.assignee')).toBe('assignment of Mon 23 Nov 07:00–15:00 nurse · Ana')
    expect(describePath(schedule, 'staff.ana.maxHoursPerWeek')).toBe('max hours of Ana')
  })
})
