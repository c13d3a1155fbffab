import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import type { ScheduleJSON, ShiftJSON } from '@rota/model'
import type { InboxItem, PublishPreview, ShiftChange } from './api.ts'
import { changeLine, checkRange, inboxLine, previewPeople, previewProblems, publicationLine, publishSummary, rangeLabel, unreadBadge, weekRange } from './publish-model.ts'

const shift = (date: string, assignee: string | null, start = '07:00'): ShiftJSON =>
  ({ date, start, end: '15:00', role: 'nurse', requiredSkill: null, assignee, notes: '' })

const schedule: ScheduleJSON = {
  settings: { name: '', timezone: 'UTC', weekStartsOn: 'monday', coverage: [] },
  staff: {
    ana: { name: 'Ana', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] },
    ben: { name: 'Ben', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] },
  },
  shifts: { s1: shift('2026-11-23', 'ana'), s2: shift('2026-11-24', 'ben') },
}
const name = (id: string | null): string => (id === null ? 'nobody' : (schedule.staff[id]?.name ?? id))
const change = (c: Partial<ShiftChange> & Pick<ShiftChange, 'kind'>): ShiftChange => ({ shift: 's1', before: null, after: null, shortNotice: false, ...c })

describe('publish model', () => {
  it('starts with the week on screen and checks a range', () => {
    expect(weekRange('2026-11-23')).toEqual({ from: '2026-11-23', to: '2026-11-29' })
    expect(checkRange('2026-11-23', '2026-11-22')).toBe('The last date is before the first.')
    expect(checkRange('', '2026-11-22')).toBe('Pick a first and a last date.')
    expect(checkRange('2026-11-23', '2026-11-23')).toEqual({ from: '2026-11-23', to: '2026-11-23' })
    expect(rangeLabel({ from: '2026-11-23', to: '2026-11-29' })).toBe('23 Nov 2026 – 29 Nov 2026')
    expect(rangeLabel({ from: '2026-11-23', to: '2026-11-23' })).toBe('23 Nov 2026')
  })

  it('says each change from the person\'s side', () => {
    expect(changeLine(change({ kind: 'new', after: shift('2026-11-23', 'ana'), shortNotice: true }), 'ana', name))
      .toEqual({ shift: 's1', label: 'Added', tone: 'new', text: 'Mon 23 Nov 07:00–15:00 nurse', was: null, shortNotice: true })
    const movedLine = changeLine(change({ kind: 'changed', before: shift('2026-11-23', 'ana'), after: shift('2026-11-25', 'ana', '09:00') }), 'ana', name)
    expect([movedLine.label, movedLine.was]).toEqual(['Moved', 'Mon 23 Nov 07:00–15:00 nurse'])
    expect(changeLine(change({ kind: 'changed', before: shift('2026-11-23', 'ana'), after: { ...shift('2026-11-23', 'ana'), notes: 'bring keys' } }), 'ana', name))
      .toMatchObject({ label: 'Changed', was: null })
    expect(changeLine(change({ kind: 'removed', before: shift('2026-11-23', 'ana') }), 'ana', name)).toMatchObject({ label: 'Removed', text: 'Mon 23 Nov 07:00–15:00 nurse' })
    const r = change({ kind: 'reassigned', before: shift('2026-11-23', 'ana'), after: shift('2026-11-23', 'ben'), from: 'ana', to: 'ben' })
    expect(changeLine(r, 'ben', name).label).toBe('Reassigned to you from Ana')
    expect(changeLine(r, 'ana', name).label).toBe('Reassigned to Ben')
  })

  it('lists people by name with their changes by date, counted', () => {
    const preview: PublishPreview = {
      doc: 'acme/w', seq: 4, range: { from: '2026-11-23', to: '2026-11-29' }, lastPublication: null, noticeDays: 14, needsConfirmation: false,
      conflicts: [], violations: [],
      people: [
        { staff: 'ben', name: 'Ben', changes: [change({ kind: 'new', shift: 's2', after: shift('2026-11-24', 'ben') })] },
        { staff: 'ana', name: 'Ana', changes: [
          change({ kind: 'new', shift: 's9', after: shift('2026-11-27', 'ana'), shortNotice: false }),
          change({ kind: 'removed', shift: 's1', before: shift('2026-11-23', 'ana'), shortNotice: true }),
        ] },
        { staff: 'zed', name: null, changes: [change({ kind: 'removed', before: shift('2026-11-23', 'zed') })] },
      ],
    }
    const people = previewPeople(preview, schedule)
    expect(people.map((p) => p.staff)).toEqual(['ana', 'ben', 'zed'])
    expect(people[0]!.lines.map((l) => l.shift)).toEqual(['s1', 's9'])
    expect(people[0]!.summary).toBe('Ana: 1 added, 1 removed · 1 short notice')
    expect(people[2]!.name).toBe('zed (removed)')
    expect(publishSummary(preview)).toBe('3 people are told what changed for them')
    expect(publishSummary({ ...preview, people: [] })).toBe('Nobody’s shifts changed since the last publication')
  })

  it('names conflicts and violations in words', () => {
    const preview = {
      conflicts: [{ id: 'c1', kind: 'double_booking', shifts: ['s1'], staff: ['ana'] }],
      violations: [
        { kind: 'max_hours_exceeded', key: 'k', staff: 'ben', week: '2026-11-23', hours: 48.25, max: 40, shifts: [] },
        { kind: 'coverage_shortfall', key: 'k2', coverage: { role: 'nurse', date: '2026-11-24', start: '07:00', end: '15:00' }, have: 1, min: 2, shifts: [] },
      ],
    } as unknown as PublishPreview
    expect(previewProblems(preview, schedule)).toEqual({
      conflicts: ['Double booking: Ana; Mon 23 Nov 07:00–15:00 nurse · Ana'],
      violations: ['Over weekly hours: Ben; 48.3h of 40h in the week of 2026-11-23', 'Coverage shortfall: nurse on 2026-11-24 07:00–15:00: 1/2'],
    })
  })

  it('puts a publication and inbox items in one line', () => {
    expect(publicationLine({ id: 'pub_1', doc: 'acme/w', seq: 3, range: { from: '2026-11-23', to: '2026-11-29' }, by: 'maria', role: 'manager', at: '2026-11-13T12:00:00.000Z', note: null, confirmedConflicts: [], people: 1 }))
      .toBe('Published 23 Nov 2026 – 29 Nov 2026 by maria on 13 Nov 2026, 12:00 UTC · 1 person told')
    const base: InboxItem = { id: 'i1', kind: 'published', doc: 'acme/w', staff: 'ana', at: '', updatedAt: '', read: false, publication: 'pub_1' }
    expect(inboxLine({ ...base, changes: [change({ kind: 'new', shortNotice: true }), change({ kind: 'removed' })] })).toBe('Your shifts were published: 2 changes, 1 at short notice')
    expect(inboxLine({ ...base, kind: 'changed_after_publication', published: shift('2026-11-23', 'ana'), times: 3 }))
      .toBe('A shift of yours changed after it was published (Mon 23 Nov 07:00–15:00 nurse) · 3 changes')
    expect(inboxLine({ ...base, kind: 'changed_after_publication', published: null })).toBe('A shift of yours changed after it was published (a new shift)')
    const conflict = { id: 'c_1', kind: 'double_booking', shifts: ['s1'], staff: ['ana'] }
    expect(inboxLine({ ...base, kind: 'conflict_needs_decision', conflict, times: 1 })).toBe('A conflict needs your decision: Double booking')
    expect(inboxLine({ ...base, kind: 'conflict_resolved_automatically', conflict: { ...conflict, applied: 'Keep Ana' } }))
      .toBe('A conflict involving your edit was resolved automatically: Double booking · Keep Ana')
    expect(inboxLine({ ...base, kind: 'change_not_accepted', refused: [{ path: 'staff.ben.name', kind: 'set', reason: 'staff may not set staff.ben.name' }, { path: 'staff.ben.role', kind: 'set', reason: 'no' }] }))
      .toBe('A change of yours was not accepted: staff may not set staff.ben.name (and 1 more)')
  })

  it('shows an unread badge only for unread items, capped at 99+', () => {
    expect(unreadBadge(null)).toBeNull()
    expect(unreadBadge(0)).toBeNull()
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => {
      const badge = unreadBadge(n)!
      expect(badge.label).toBe(`${n} unread`)
      expect(badge.text).toBe(n > 99 ? '99+' : String(n))
    }))
  })
})
