import { describe, it, expect } from 'vitest'
import * as Y from 'yjs'
import { applyOps, toJSON, type ShiftJSON, type StaffJSON } from '@rota/model'
import { shiftOps } from './shift-editor.ts'
import { staffIdFor, staffOps } from './staff.ts'

const shift: ShiftJSON = { date: '2026-11-23', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' }
const ana: StaffJSON = { name: 'Ana', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 40, unavailable: [] }

describe('editor ops', () => {
  it('writes a new shift whole and an edited one field by field', () => {
    expect(shiftOps('s1', undefined, shift)).toEqual([{ op: 'set', path: 'shifts.s1', value: shift }])
    expect(shiftOps('s1', shift, { ...shift, assignee: 'ana', notes: 'cover' })).toEqual([
      { op: 'set', path: 'shifts.s1.assignee', value: 'ana' },
      { op: 'set', path: 'shifts.s1.notes', value: 'cover' },
    ])
    expect(shiftOps('s1', shift, shift)).toEqual([])
  })

  it('keeps a concurrent edit of another field (ops from the state the dialog opened with)', () => {
    const a = new Y.Doc()
    applyOps(a, [{ op: 'set', path: 'staff.ana', value: ana }, ...shiftOps('s1', undefined, shift)])
    const b = new Y.Doc()
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    applyOps(a, shiftOps('s1', shift, { ...shift, assignee: 'ana' }))
    applyOps(b, shiftOps('s1', shift, { ...shift, notes: 'bring keys' }))
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
    expect(toJSON(a).shifts.s1).toMatchObject({ assignee: 'ana', notes: 'bring keys' })
  })

  it('changes staff fields and lists only when they differ', () => {
    expect(staffOps('ana', ana, { ...ana, skills: ['icu'], maxHoursPerWeek: 32 })).toEqual([{ op: 'set', path: 'staff.ana.maxHoursPerWeek', value: 32 }])
    expect(staffOps('ana', ana, { ...ana, skills: ['icu', 'er'] })).toEqual([{ op: 'set', path: 'staff.ana.skills', value: ['icu', 'er'] }])
    const doc = new Y.Doc()
    applyOps(doc, staffOps('ana', undefined, ana))
    applyOps(doc, staffOps('ana', ana, { ...ana, unavailable: ['2026-11-24'] }))
    expect(toJSON(doc).staff.ana?.unavailable).toEqual(['2026-11-24'])
  })

  it('derives readable, unique staff ids from names', () => {
    expect(staffIdFor('Chloé Martin', [])).toBe('chloe-martin')
    expect(staffIdFor('Chloé Martin', ['chloe-martin', 'chloe-martin-2'])).toBe('chloe-martin-3')
    expect(staffIdFor('王芳', [])).toBe('person')
  })
})
