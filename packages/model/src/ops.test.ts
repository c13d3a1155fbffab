import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'
import { type PathOp, applyOps, validateOps, MODEL_ORIGIN } from './ops.ts'
import { toJSON } from './json.ts'
import { sampleDoc, sampleJSON, recordUpdates } from './testing/fixtures.ts'

const expectError = (fn: () => void, code: string, extra: { opIndex?: number; path?: string } = {}): ModelError => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError)
    const e = err as ModelError
    expect(e.code).toBe(code)
    if ('opIndex' in extra) expect(e.opIndex).toBe(extra.opIndex)
    if ('path' in extra) expect(e.path).toBe(extra.path)
    return e
  }
  throw new Error(`expected ${code}`)
}

/** Applies ops that must fail, and checks the doc emitted nothing and still reads the same. */
const expectRejected = (ops: unknown[], code: string, extra: { opIndex?: number; path?: string } = {}): void => {
  const doc = sampleDoc()
  const before = toJSON(doc)
  const updates = recordUpdates(doc)
  expectError(() => validateOps(doc, ops as PathOp[]), code, extra)
  expectError(() => applyOps(doc, ops as PathOp[]), code, extra)
  expect(updates).toHaveLength(0)
  expect(toJSON(doc)).toEqual(before)
}

describe('applyOps: set', () => {
  it('sets a field and uses the given origin in one transaction', () => {
    const doc = sampleDoc()
    const updates = recordUpdates(doc)
    applyOps(doc, [{ op: 'set', path: 'shifts.s2.assignee', value: 'ben' }, { op: 'set', path: 'shifts.s2.notes', value: 'swap' }], 'me')
    expect(updates).toHaveLength(1)
    expect(updates[0]!.origin).toBe('me')
    expect(toJSON(doc).shifts.s2).toMatchObject({ assignee: 'ben', notes: 'swap' })
  })

  it('uses MODEL_ORIGIN when no origin is given', () => {
    const doc = sampleDoc()
    const updates = recordUpdates(doc)
    applyOps(doc, [{ op: 'set', path: 'settings.name', value: 'Ward 4' }])
    expect(updates[0]!.origin).toBe(MODEL_ORIGIN)
  })

  it('creates a record with defaults for omitted optional fields', () => {
    const doc = sampleDoc()
    applyOps(doc, [
      { op: 'set', path: 'staff.cy', value: { name: 'Cy', role: 'doctor' } },
      { op: 'set', path: 'shifts.s3', value: { date: '2026-12-02', start: '09:00', end: '17:00', role: 'doctor' } },
    ])
    const json = toJSON(doc)
    expect(json.staff.cy).toEqual({ name: 'Cy', role: 'doctor', skills: [], maxHoursPerWeek: 40, unavailable: [] })
    expect(json.shifts.s3).toEqual({ date: '2026-12-02', start: '09:00', end: '17:00', role: 'doctor', requiredSkill: null, assignee: null, notes: '' })
    // The stored layout is the public one: nested Y.Map / Y.Array.
    const cy = doc.getMap('staff').get('cy')
    expect(cy).toBeInstanceOf(Y.Map)
    expect((cy as Y.Map<unknown>).get('skills')).toBeInstanceOf(Y.Array)
  })

  it('replaces an existing record in place (same Y.Map, defaults for omitted fields)', () => {
    const doc = sampleDoc()
    const before = doc.getMap('staff').get('ana')
    applyOps(doc, [{ op: 'set', path: 'staff.ana', value: { name: 'Ana M.', role: 'lead' } }])
    expect(doc.getMap('staff').get('ana')).toBe(before)
    expect(toJSON(doc).staff.ana).toEqual({ name: 'Ana M.', role: 'lead', skills: [], maxHoursPerWeek: 40, unavailable: [] })
  })

  it('writes nothing when a set changes nothing', () => {
    const doc = sampleDoc()
    const updates = recordUpdates(doc)
    applyOps(doc, [{ op: 'set', path: 'shifts.s1.assignee', value: 'ana' }, { op: 'set', path: 'staff.ana.skills', value: ['icu'] }])
    expect(updates).toHaveLength(0)
  })

  it('replaces a list field whole', () => {
    const doc = sampleDoc()
    applyOps(doc, [{ op: 'set', path: 'staff.ana.skills', value: ['er', 'peds'] }])
    expect(toJSON(doc).staff.ana!.skills).toEqual(['er', 'peds'])
  })

  it('sets the settings object and single settings fields', () => {
    const doc = sampleDoc()
    applyOps(doc, [{ op: 'set', path: 'settings', value: { name: 'X', weekStartsOn: 'sunday' } }])
    expect(toJSON(doc).settings).toEqual({ name: 'X', timezone: 'UTC', weekStartsOn: 'sunday', coverage: [] })
    const coverage = [{ role: 'nurse', start: '22:00', end: '06:00', min: 2 }]
    applyOps(doc, [{ op: 'set', path: 'settings.coverage', value: coverage }, { op: 'set', path: 'settings.timezone', value: 'America/New_York' }])
    expect(toJSON(doc).settings).toMatchObject({ coverage, timezone: 'America/New_York' })
    // coverage is one plain JSON value, not a nested Y type
    expect(Array.isArray(doc.getMap('settings').get('coverage'))).toBe(true)
  })

  it('lets later ops see earlier ones (add a person, then assign them)', () => {
    const doc = sampleDoc()
    applyOps(doc, [
      { op: 'set', path: 'staff.cy', value: { name: 'Cy', role: 'nurse' } },
      { op: 'set', path: 'shifts.s2.assignee', value: 'cy' },
      { op: 'append', path: 'staff.cy.skills', value: 'icu' },
    ])
    expect(toJSON(doc).shifts.s2!.assignee).toBe('cy')
    expect(toJSON(doc).staff.cy!.skills).toEqual(['icu'])
  })

  it('accepts a shift crossing midnight (end ≤ start)', () => {
    const doc = sampleDoc()
    applyOps(doc, [{ op: 'set', path: 'shifts.s1.end', value: '07:00' }])
    expect(toJSON(doc).shifts.s1!.end).toBe('07:00')
  })
})

describe('applyOps: delete', () => {
  it('removes a shift', () => {
    const doc = sampleDoc()
    applyOps(doc, [{ op: 'delete', path: 'shifts.s1' }])
    expect(Object.keys(toJSON(doc).shifts)).toEqual(['s2'])
  })

  it('removes a staff member and unassigns their shifts in the same transaction', () => {
    const doc = sampleDoc()
    const updates = recordUpdates(doc)
    applyOps(doc, [{ op: 'delete', path: 'staff.ana' }])
    expect(updates).toHaveLength(1)
    const json = toJSON(doc)
    expect(json.staff.ana).toBeUndefined()
    expect(json.shifts.s1!.assignee).toBeNull()
  })

  it('cascades to shifts assigned earlier in the same batch', () => {
    const doc = sampleDoc()
    applyOps(doc, [{ op: 'set', path: 'shifts.s2.assignee', value: 'ben' }, { op: 'delete', path: 'staff.ben' }])
    expect(toJSON(doc).shifts.s2!.assignee).toBeNull()
  })

  it('sets a nullable field to null', () => {
    const doc = sampleDoc()
    applyOps(doc, [{ op: 'delete', path: 'shifts.s1.assignee' }, { op: 'delete', path: 'shifts.s2.requiredSkill' }])
    expect(toJSON(doc).shifts.s1!.assignee).toBeNull()
    expect(toJSON(doc).shifts.s2!.requiredSkill).toBeNull()
  })

  it('removes every occurrence of a list item, or empties the list without a value', () => {
    const doc = sampleDoc()
    applyOps(doc, [
      { op: 'append', path: 'staff.ana.unavailable', value: '2026-12-05' },
      { op: 'append', path: 'staff.ana.unavailable', value: '2026-12-01' },
      { op: 'delete', path: 'staff.ana.unavailable', value: '2026-12-01' },
      { op: 'delete', path: 'staff.ana.skills' },
    ])
    expect(toJSON(doc).staff.ana).toMatchObject({ unavailable: ['2026-12-05'], skills: [] })
  })

  it('removing an absent list item is a no-op', () => {
    const doc = sampleDoc()
    const updates = recordUpdates(doc)
    applyOps(doc, [{ op: 'delete', path: 'staff.ben.skills', value: 'icu' }])
    expect(updates).toHaveLength(0)
  })
})

describe('applyOps: append', () => {
  it('appends to skills and unavailable (a Y.Array push)', () => {
    const doc = sampleDoc()
    const skills = (doc.getMap('staff').get('ana') as Y.Map<unknown>).get('skills')
    applyOps(doc, [{ op: 'append', path: 'staff.ana.skills', value: 'er' }, { op: 'append', path: 'staff.ana.unavailable', value: '2026-12-24' }])
    expect((doc.getMap('staff').get('ana') as Y.Map<unknown>).get('skills')).toBe(skills)
    expect(toJSON(doc).staff.ana).toMatchObject({ skills: ['icu', 'er'], unavailable: ['2026-12-01', '2026-12-24'] })
  })

  it('appends a coverage rule (rewriting the coverage value)', () => {
    const doc = sampleDoc()
    applyOps(doc, [{ op: 'append', path: 'settings.coverage', value: { role: 'doctor', start: '00:00', end: '00:00', min: 1 } }])
    expect(toJSON(doc).settings.coverage).toHaveLength(2)
  })
})

describe('applyOps: errors change nothing', () => {
  it('ROTA_MODEL_UNKNOWN_PATH for paths the schema does not have', () => {
    expectRejected([{ op: 'set', path: 'shifts.s1.colour', value: 'red' }], ModelErrorCode.UnknownPath, { opIndex: 0, path: 'shifts.s1.colour' })
    expectRejected([{ op: 'set', path: 'rota.x', value: 1 }], ModelErrorCode.UnknownPath, { opIndex: 0 })
    expectRejected([{ op: 'set', path: 'staff', value: {} }], ModelErrorCode.UnknownPath)
    expectRejected([{ op: 'set', path: 'settings.coverage.0', value: {} }], ModelErrorCode.UnknownPath)
    expectRejected([{ op: 'set', path: 'staff.ana.skills.0', value: 'x' }], ModelErrorCode.UnknownPath)
    expectRejected([{ op: 'set', path: 'staff.cy', value: { name: 'Cy', role: 'x', age: 3 } }], ModelErrorCode.UnknownPath, { path: 'staff.cy.age' })
  })

  it('names the failing op and leaves earlier valid ops unapplied', () => {
    expectRejected(
      [{ op: 'set', path: 'shifts.s1.notes', value: 'ok' }, { op: 'set', path: 'shifts.s1.start', value: 9 }],
      ModelErrorCode.WrongType,
      { opIndex: 1, path: 'shifts.s1.start' },
    )
  })

  it('ROTA_MODEL_WRONG_TYPE for values of the wrong JSON type', () => {
    expectRejected([{ op: 'set', path: 'staff.ana.maxHoursPerWeek', value: '40' }], ModelErrorCode.WrongType)
    expectRejected([{ op: 'set', path: 'staff.ana.skills', value: 'icu' }], ModelErrorCode.WrongType)
    expectRejected([{ op: 'set', path: 'staff.ana.skills', value: ['icu', 3] }], ModelErrorCode.WrongType, { path: 'staff.ana.skills.1' })
    expectRejected([{ op: 'set', path: 'shifts.s1.date', value: null }], ModelErrorCode.WrongType)
    expectRejected([{ op: 'set', path: 'shifts.s9', value: 'a shift' }], ModelErrorCode.WrongType)
    expectRejected([{ op: 'set', path: 'settings', value: [] }], ModelErrorCode.WrongType)
  })

  it('ROTA_MODEL_INVALID_VALUE for malformed dates, times, hours, weekdays, time zones, empty labels', () => {
    expectRejected([{ op: 'set', path: 'shifts.s1.date', value: '2026-02-30' }], ModelErrorCode.InvalidValue)
    expectRejected([{ op: 'set', path: 'shifts.s1.date', value: '26-11-30' }], ModelErrorCode.InvalidValue)
    expectRejected([{ op: 'set', path: 'shifts.s1.start', value: '24:00' }], ModelErrorCode.InvalidValue)
    expectRejected([{ op: 'set', path: 'shifts.s1.end', value: '7:00' }], ModelErrorCode.InvalidValue)
    expectRejected([{ op: 'set', path: 'staff.ana.maxHoursPerWeek', value: -1 }], ModelErrorCode.InvalidValue)
    expectRejected([{ op: 'set', path: 'staff.ana.maxHoursPerWeek', value: Number.NaN }], ModelErrorCode.InvalidValue)
    expectRejected([{ op: 'set', path: 'settings.weekStartsOn', value: 'funday' }], ModelErrorCode.InvalidValue)
    expectRejected([{ op: 'set', path: 'settings.timezone', value: 'Mars/Olympus' }], ModelErrorCode.InvalidValue)
    expectRejected([{ op: 'set', path: 'staff.ana.name', value: '  ' }], ModelErrorCode.InvalidValue)
    expectRejected([{ op: 'append', path: 'staff.ana.unavailable', value: '2026-13-01' }], ModelErrorCode.InvalidValue, { path: 'staff.ana.unavailable.1' })
    expectRejected([{ op: 'set', path: 'settings.coverage', value: [{ role: 'nurse', start: '07:00', end: '15:00', min: 1.5 }] }], ModelErrorCode.InvalidValue, { path: 'settings.coverage.0.min' })
    expectRejected([{ op: 'set', path: 'shifts.s1.notes', value: 'x'.repeat(10_001) }], ModelErrorCode.InvalidValue)
  })

  it('ROTA_MODEL_MISSING_FIELD for records without required fields', () => {
    expectRejected([{ op: 'set', path: 'shifts.s9', value: { date: '2026-12-01', start: '07:00', end: '15:00' } }], ModelErrorCode.MissingField, { path: 'shifts.s9.role' })
    expectRejected([{ op: 'set', path: 'settings.coverage', value: [{ role: 'nurse', start: '07:00', end: '15:00' }] }], ModelErrorCode.MissingField)
  })

  it('ROTA_MODEL_MISSING_REFERENCE for an assignee that is not staff', () => {
    expectRejected([{ op: 'set', path: 'shifts.s1.assignee', value: 'zoe' }], ModelErrorCode.MissingReference, { path: 'shifts.s1.assignee' })
    expectRejected(
      [{ op: 'set', path: 'shifts.s9', value: { date: '2026-12-01', start: '07:00', end: '15:00', role: 'nurse', assignee: 'zoe' } }],
      ModelErrorCode.MissingReference,
    )
    // A person removed earlier in the batch is gone for later ops.
    expectRejected([{ op: 'delete', path: 'staff.ben' }, { op: 'set', path: 'shifts.s2.assignee', value: 'ben' }], ModelErrorCode.MissingReference, { opIndex: 1 })
  })

  it('ROTA_MODEL_NOT_FOUND for fields of, or deletes of, records that do not exist', () => {
    expectRejected([{ op: 'set', path: 'shifts.nope.notes', value: 'x' }], ModelErrorCode.NotFound, { path: 'shifts.nope' })
    expectRejected([{ op: 'delete', path: 'staff.nope' }], ModelErrorCode.NotFound)
    expectRejected([{ op: 'append', path: 'staff.nope.skills', value: 'x' }], ModelErrorCode.NotFound)
    expectRejected([{ op: 'delete', path: 'shifts.s1' }, { op: 'set', path: 'shifts.s1.notes', value: 'x' }], ModelErrorCode.NotFound, { opIndex: 1 })
  })

  it('ROTA_MODEL_NOT_A_LIST for append on anything but a list', () => {
    expectRejected([{ op: 'append', path: 'shifts.s1.notes', value: 'x' }], ModelErrorCode.NotAList, { path: 'shifts.s1.notes' })
    expectRejected([{ op: 'append', path: 'staff.ana', value: 'x' }], ModelErrorCode.NotAList)
    expectRejected([{ op: 'append', path: 'settings', value: 'x' }], ModelErrorCode.NotAList)
  })

  it('ROTA_MODEL_NOT_DELETABLE for required fields and settings', () => {
    expectRejected([{ op: 'delete', path: 'shifts.s1.date' }], ModelErrorCode.NotDeletable)
    expectRejected([{ op: 'delete', path: 'staff.ana.maxHoursPerWeek' }], ModelErrorCode.NotDeletable)
    expectRejected([{ op: 'delete', path: 'settings' }], ModelErrorCode.NotDeletable)
    expectRejected([{ op: 'delete', path: 'settings.coverage' }], ModelErrorCode.NotDeletable)
  })

  it('ROTA_MODEL_INVALID_ID for ids no path can name', () => {
    expectRejected([{ op: 'set', path: 'staff.__proto__', value: { name: 'x', role: 'y' } }], ModelErrorCode.InvalidId)
    expectRejected([{ op: 'set', path: 'staff.', value: { name: 'x', role: 'y' } }], ModelErrorCode.InvalidId)
    expectRejected([{ op: 'set', path: `staff.${'x'.repeat(300)}`, value: { name: 'x', role: 'y' } }], ModelErrorCode.InvalidId)
  })

  it('ROTA_MODEL_INVALID_OP for malformed ops and batches', () => {
    expectRejected([{ op: 'merge', path: 'shifts.s1.notes', value: 'x' }], ModelErrorCode.InvalidOp, { opIndex: 0 })
    expectRejected([{ op: 'set', path: 'shifts.s1.notes' }], ModelErrorCode.InvalidOp)
    expectRejected([{ op: 'set', path: 'shifts.s1.notes', value: 'x', extra: 1 }], ModelErrorCode.InvalidOp)
    expectRejected(['set shifts.s1.notes'], ModelErrorCode.InvalidOp)
    expectRejected([{ op: 'delete', path: 'shifts.s1.assignee', value: 'ana' }], ModelErrorCode.InvalidOp)
    const doc = sampleDoc()
    expectError(() => applyOps(doc, 'nope' as unknown as PathOp[]), ModelErrorCode.InvalidOp)
    expectError(() => applyOps(doc, [{ op: 'set', path: 42 as unknown as string, value: 1 }]), ModelErrorCode.UnknownPath)
  })

  it('an empty batch is valid and writes nothing', () => {
    const doc = sampleDoc()
    const updates = recordUpdates(doc)
    applyOps(doc, [])
    expect(updates).toHaveLength(0)
    expect(toJSON(doc)).toEqual(sampleJSON())
  })
})
