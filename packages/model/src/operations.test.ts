import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'
import { toJSON } from './json.ts'
import { addShift, addStaff, assign, removeShift, removeStaff, setSettings, unassign, updateShift, updateStaff } from './operations.ts'
import { recordUpdates, sampleDoc, sampleJSON } from './testing/fixtures.ts'

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError)
    expect((err as ModelError).opIndex).toBeUndefined()
    return (err as ModelError).code
  }
  return undefined
}

/** Runs a typed op that must fail with `code`, checking nothing was written. */
const rejects = (code: string, fn: (doc: Y.Doc) => void): void => {
  const doc = sampleDoc()
  const updates = recordUpdates(doc)
  expect(codeOf(() => fn(doc))).toBe(code)
  expect(updates).toHaveLength(0)
  expect(toJSON(doc)).toEqual(sampleJSON())
}

describe('typed operations', () => {
  it('each is one transaction with the given origin', () => {
    const doc = sampleDoc()
    const updates = recordUpdates(doc)
    const origin = { user: 'ana' }
    addStaff(doc, 'cy', { name: 'Cy', role: 'nurse', skills: ['icu'] }, origin)
    updateStaff(doc, 'cy', { maxHoursPerWeek: 20, unavailable: ['2026-12-24'] }, origin)
    addShift(doc, 's3', { date: '2026-12-01', start: '15:00', end: '23:00', role: 'nurse' }, origin)
    updateShift(doc, 's3', { notes: 'late', requiredSkill: 'icu' }, origin)
    assign(doc, 's3', 'cy', origin)
    unassign(doc, 's1', origin)
    setSettings(doc, { name: 'Ward 5', weekStartsOn: 'sunday' }, origin)
    removeShift(doc, 's2', origin)
    removeStaff(doc, 'ben', origin)
    expect(updates).toHaveLength(9)
    expect(updates.every((u) => u.origin === origin)).toBe(true)
    const json = toJSON(doc)
    expect(json.staff.cy).toEqual({ name: 'Cy', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 20, unavailable: ['2026-12-24'] })
    expect(json.shifts.s3).toEqual({ date: '2026-12-01', start: '15:00', end: '23:00', role: 'nurse', requiredSkill: 'icu', assignee: 'cy', notes: 'late' })
    expect(json.shifts.s1!.assignee).toBeNull()
    expect(json.shifts.s2).toBeUndefined()
    expect(json.staff.ben).toBeUndefined()
    expect(json.settings).toMatchObject({ name: 'Ward 5', weekStartsOn: 'sunday', timezone: 'Europe/Lisbon' })
  })

  it('removeStaff unassigns their shifts', () => {
    const doc = sampleDoc()
    removeStaff(doc, 'ana')
    expect(toJSON(doc).shifts.s1!.assignee).toBeNull()
  })

  it('add on an existing id: ROTA_MODEL_DUPLICATE_ID', () => {
    rejects(ModelErrorCode.DuplicateId, (doc) => addStaff(doc, 'ana', { name: 'A', role: 'x' }))
    rejects(ModelErrorCode.DuplicateId, (doc) => addShift(doc, 's1', { date: '2026-12-01', start: '07:00', end: '15:00', role: 'x' }))
  })

  it('update/remove/assign of a missing record: ROTA_MODEL_NOT_FOUND', () => {
    rejects(ModelErrorCode.NotFound, (doc) => updateStaff(doc, 'zoe', { name: 'Z' }))
    rejects(ModelErrorCode.NotFound, (doc) => updateShift(doc, 'nope', {}))
    rejects(ModelErrorCode.NotFound, (doc) => removeStaff(doc, 'zoe'))
    rejects(ModelErrorCode.NotFound, (doc) => removeShift(doc, 'nope'))
    rejects(ModelErrorCode.NotFound, (doc) => assign(doc, 'nope', 'ana'))
    rejects(ModelErrorCode.NotFound, (doc) => unassign(doc, 'nope'))
  })

  it('validates like applyOps', () => {
    rejects(ModelErrorCode.MissingReference, (doc) => assign(doc, 's1', 'zoe'))
    rejects(ModelErrorCode.MissingField, (doc) => addStaff(doc, 'cy', { name: 'Cy' } as never))
    rejects(ModelErrorCode.InvalidValue, (doc) => addShift(doc, 's9', { date: '2026-12-01', start: '7am', end: '15:00', role: 'x' }))
    rejects(ModelErrorCode.UnknownPath, (doc) => updateShift(doc, 's1', { colour: 'red' } as never))
    rejects(ModelErrorCode.WrongType, (doc) => updateStaff(doc, 'ana', null as never))
    rejects(ModelErrorCode.InvalidValue, (doc) => setSettings(doc, { timezone: 'Nowhere/Land' }))
    rejects(ModelErrorCode.InvalidId, (doc) => addStaff(doc, 'a.b', { name: 'A', role: 'x' }))
    // All fields of a patch or none.
    rejects(ModelErrorCode.InvalidValue, (doc) => updateShift(doc, 's1', { notes: 'fine', end: '25:00' }))
  })
})
