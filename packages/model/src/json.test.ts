import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'
import { fromJSON, toJSON } from './json.ts'
import { type ValueKind, checkCoverageRule, checkId, checkScalar, isId, isValidScalar, readCoverageRule } from './schema.ts'
import { fcOptions } from './testing/arbitraries.ts'
import { countThrown } from './testing/exceptions.ts'
import { recordUpdates, sampleDoc, sampleJSON } from './testing/fixtures.ts'

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError)
    return (err as ModelError).code
  }
  return undefined
}

describe('toJSON / fromJSON', () => {
  it('round-trips exactly, through the Yjs encoding too', () => {
    const json = sampleJSON()
    expect(toJSON(fromJSON(json))).toEqual(json)
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(fromJSON(json)))
    expect(toJSON(copy)).toEqual(json)
    expect(JSON.stringify(toJSON(copy))).toBe(JSON.stringify(toJSON(fromJSON(JSON.parse(JSON.stringify(json))))))
  })

  it('an empty document reads as an empty schedule with default settings', () => {
    expect(toJSON(new Y.Doc())).toEqual({ staff: {}, shifts: {}, settings: { name: '', timezone: 'UTC', weekStartsOn: 'monday', coverage: [] } })
    expect(toJSON(fromJSON({}))).toEqual(toJSON(new Y.Doc()))
  })

  it('into an existing doc: makes it equal to the JSON in one transaction, keeping unchanged records', () => {
    const doc = sampleDoc()
    const ana = doc.getMap('staff').get('ana')
    const updates = recordUpdates(doc)
    const next = sampleJSON()
    delete next.shifts.s2
    next.staff.ana!.skills.push('er')
    next.staff.cy = { name: 'Cy', role: 'doctor', skills: [], maxHoursPerWeek: 10, unavailable: [] }
    fromJSON(next, doc, 'import')
    expect(updates).toHaveLength(1)
    expect(updates[0]!.origin).toBe('import')
    expect(toJSON(doc)).toEqual(next)
    expect(doc.getMap('staff').get('ana')).toBe(ana)
  })

  it('rejects invalid input with typed errors and leaves the doc unchanged', () => {
    const doc = sampleDoc()
    const updates = recordUpdates(doc)
    const bad = (json: unknown): string | undefined => codeOf(() => fromJSON(json, doc))
    expect(bad(null)).toBe(ModelErrorCode.InvalidJSON)
    expect(bad([])).toBe(ModelErrorCode.InvalidJSON)
    expect(bad('{}')).toBe(ModelErrorCode.InvalidJSON)
    expect(bad({ staff: {}, extra: 1 })).toBe(ModelErrorCode.UnknownPath)
    expect(bad({ staff: [] })).toBe(ModelErrorCode.WrongType)
    expect(bad({ staff: { 'a.b': { name: 'x', role: 'y' } } })).toBe(ModelErrorCode.InvalidId)
    const dangling = sampleJSON()
    dangling.shifts.s1!.assignee = 'zoe'
    expect(bad(dangling)).toBe(ModelErrorCode.MissingReference)
    const badDate = sampleJSON()
    badDate.shifts.s1!.date = '2026-11-31'
    expect(bad(badDate)).toBe(ModelErrorCode.InvalidValue)
    try {
      fromJSON(badDate, doc)
    } catch (err) {
      expect((err as ModelError).path).toBe('shifts.s1.date')
      expect((err as ModelError).opIndex).toBeUndefined()
    }
    expect(updates).toHaveLength(0)
    expect(toJSON(doc)).toEqual(sampleJSON())
  })

  it('reads foreign writes leniently: non-map records skipped, bad fields default, bad items dropped', () => {
    const doc = new Y.Doc()
    doc.transact(() => {
      doc.getMap('staff').set('junk', 'not a record')
      doc.getMap('staff').set('a.b', new Y.Map([['name', 'x']]))
      const ana = new Y.Map<unknown>([['name', 'Ana'], ['role', 7], ['skills', Y.Array.from<string | number>(['icu', 3])], ['extra', 'kept']])
      doc.getMap('staff').set('ana', ana)
      doc.getMap('settings').set('weekStartsOn', 'funday')
      doc.getMap('settings').set('coverage', [{ role: 'nurse', start: '07:00', end: '15:00', min: 1 }, { role: 'x' }])
    })
    const json = toJSON(doc)
    expect(Object.keys(json.staff)).toEqual(['ana'])
    expect(json.staff.ana).toEqual({ name: 'Ana', role: '', skills: ['icu'], maxHoursPerWeek: 40, unavailable: [] })
    expect(json.settings.weekStartsOn).toBe('monday')
    expect(json.settings.coverage).toEqual([{ role: 'nurse', start: '07:00', end: '15:00', min: 1 }])
  })

  it('reads a malformed intermediate state without throwing (and catching) a single exception', () => {
    // A record whose fields have not all arrived, foreign values, bad ids, bad rules: the normal case for
    // the resolver, which reads states no validator saw. Exceptions there cost more than the read itself.
    const doc = new Y.Doc()
    doc.transact(() => {
      doc.getMap('shifts').set('s1', new Y.Map<unknown>([['date', '2026-11-30']]))
      doc.getMap('shifts').set('s2', new Y.Map<unknown>([['date', 5], ['start', '7:00'], ['end', null], ['role', ''], ['requiredSkill', 3], ['notes', {}]]))
      doc.getMap('shifts').set('bad.id', new Y.Map<unknown>())
      doc.getMap('staff').set('ana', new Y.Map<unknown>([['maxHoursPerWeek', -1], ['unavailable', Y.Array.from<string | number>(['2026-02-30', 7])]]))
      doc.getMap('settings').set('timezone', 'Mars/Olympus')
      doc.getMap('settings').set('coverage', [{ role: 'nurse' }, 'x', { role: 'nurse', start: '07:00', end: '15:00', min: 1.5 }])
    })
    // Intl has no time-zone predicate: an unknown name costs one exception the first time, then is cached.
    expect(countThrown(() => toJSON(doc))).toBe(1)
    let json: ReturnType<typeof toJSON> | undefined
    expect(countThrown(() => { json = toJSON(doc) })).toBe(0)
    expect(json!.shifts.s1).toEqual({ date: '2026-11-30', start: '', end: '', role: '', requiredSkill: null, assignee: null, notes: '' })
    expect(json!.shifts.s2).toMatchObject({ date: '', start: '', end: '', role: '', notes: '' })
    expect(Object.keys(json!.shifts)).toEqual(['s1', 's2'])
    expect(json!.staff.ana).toMatchObject({ name: '', maxHoursPerWeek: 40, unavailable: [] })
    expect(json!.settings).toMatchObject({ timezone: 'UTC', coverage: [] })
  })

  it('property: the lenient predicates accept exactly what the validators accept', () => {
    const throws = (fn: () => unknown): boolean => {
      try {
        fn()
        return false
      } catch {
        return true
      }
    }
    const kinds: ValueKind[] = ['text', 'label', 'date', 'time', 'hours', 'weekday', 'timezone', 'coverage']
    const rule = fc.record({ role: fc.oneof(fc.constantFrom('nurse', '', ' '), fc.anything()), start: fc.constantFrom('07:00', '7:00', '24:00', 3), end: fc.constantFrom('15:00', ''), min: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.double(), fc.string()) }, { requiredKeys: [] })
    const value = fc.oneof(
      fc.anything(), fc.constantFrom('', ' ', 'nurse', '2026-11-30', '2026-02-29', '2028-02-29', '23:59', '24:00', 'monday', 'Europe/Berlin', 'x'.repeat(10_001)),
      fc.double(), fc.integer({ min: -1, max: 200 }), rule, fc.array(rule, { maxLength: 3 }), fc.tuple(rule, fc.constant({ extra: 1 })),
    )
    fc.assert(
      fc.property(fc.constantFrom(...kinds), value, (kind, v) => {
        expect(isValidScalar(kind, v)).toBe(!throws(() => checkScalar(kind, v, 'p')))
        expect(readCoverageRule(v)).toEqual(throws(() => checkCoverageRule(v, 'p')) ? null : checkCoverageRule(v, 'p'))
        expect(isId(v)).toBe(!throws(() => checkId(v, 'p')))
      }),
      fcOptions(400),
    )
  })
})
