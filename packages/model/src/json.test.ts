import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'
import { fromJSON, toJSON } from './json.ts'
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
})
