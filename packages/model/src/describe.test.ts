import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { type UpdateChange, describeUpdate } from './describe.ts'
import { ModelError, ModelErrorCode } from './errors.ts'
import { fromJSON, toJSON } from './json.ts'
import { applyOps } from './ops.ts'
import { addShift, addStaff, assign, removeShift, removeStaff, setSettings, unassign, updateShift, updateStaff } from './operations.ts'
import type { ScheduleJSON } from './schema.ts'
import { batchArb, fcOptions } from './testing/arbitraries.ts'
import { recordUpdates, sampleJSON } from './testing/fixtures.ts'

const base = (): Y.Doc => fromJSON(sampleJSON())
const replicaOf = (doc: Y.Doc): Y.Doc => {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}
/** The update `edit` makes on a fresh replica of `doc`. */
const updateFrom = (doc: Y.Doc, edit: (replica: Y.Doc) => void): Uint8Array => {
  const replica = replicaOf(doc)
  const sv = Y.encodeStateVector(replica)
  edit(replica)
  return Y.encodeStateAsUpdate(replica, sv)
}
/** describeUpdate must not touch the doc: no update event, same state vector, same JSON. */
const describeOn = (doc: Y.Doc, update: Uint8Array): UpdateChange[] => {
  const sv = Y.encodeStateVector(doc)
  const json = toJSON(doc)
  const events = recordUpdates(doc)
  const changes = describeUpdate(doc, update)
  expect(events).toHaveLength(0)
  expect(Y.encodeStateVector(doc)).toEqual(sv)
  expect(toJSON(doc)).toEqual(json)
  return changes
}
const sampleStaff = sampleJSON().staff
const sampleShifts = sampleJSON().shifts

describe('describeUpdate: typed operations', () => {
  it('assign: a set with the previous value', () => {
    const doc = base()
    expect(describeOn(doc, updateFrom(doc, (r) => assign(r, 's2', 'ben')))).toEqual([{ path: 'shifts.s2.assignee', kind: 'set', value: 'ben', previous: null }])
    expect(describeOn(doc, updateFrom(doc, (r) => unassign(r, 's1')))).toEqual([{ path: 'shifts.s1.assignee', kind: 'set', value: null, previous: 'ana' }])
  })

  it('addShift / addStaff: one insert carrying the new record', () => {
    const doc = base()
    const shift = { date: '2026-12-02', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ben', notes: '' }
    expect(describeOn(doc, updateFrom(doc, (r) => addShift(r, 's10', shift)))).toEqual([{ path: 'shifts.s10', kind: 'insert', value: shift }])
    expect(describeOn(doc, updateFrom(doc, (r) => addStaff(r, 'cy', { name: 'Cy', role: 'porter', skills: ['lift', 'drive'] })))).toEqual([
      { path: 'staff.cy', kind: 'insert', value: { name: 'Cy', role: 'porter', skills: ['lift', 'drive'], maxHoursPerWeek: 40, unavailable: [] } },
    ])
  })

  it('updateStaff / updateShift: one set per changed field; lists as deletes and inserts', () => {
    const doc = base()
    const changes = describeOn(doc, updateFrom(doc, (r) => updateStaff(r, 'ana', { maxHoursPerWeek: 30, skills: ['er'] })))
    expect(changes).toEqual(expect.arrayContaining([
      { path: 'staff.ana.maxHoursPerWeek', kind: 'set', value: 30, previous: 40 },
      { path: 'staff.ana.skills', kind: 'insert', value: 'er' },
      { path: 'staff.ana.skills', kind: 'delete', previous: 'icu' },
    ]))
    expect(changes).toHaveLength(3)
    expect(describeOn(doc, updateFrom(doc, (r) => updateShift(r, 's1', { notes: 'x', end: '16:00' })))).toEqual(expect.arrayContaining([
      { path: 'shifts.s1.notes', kind: 'set', value: 'x', previous: '' },
      { path: 'shifts.s1.end', kind: 'set', value: '16:00', previous: '15:00' },
    ]))
  })

  it('removeShift: one delete with the removed record (its fields are not listed again)', () => {
    const doc = base()
    expect(describeOn(doc, updateFrom(doc, (r) => removeShift(r, 's2')))).toEqual([{ path: 'shifts.s2', kind: 'delete', previous: sampleShifts.s2 }])
  })

  it('removeStaff: the delete plus the unassignments it cascades to', () => {
    const doc = base()
    expect(describeOn(doc, updateFrom(doc, (r) => removeStaff(r, 'ana')))).toEqual(expect.arrayContaining([
      { path: 'staff.ana', kind: 'delete', previous: sampleStaff.ana },
      { path: 'shifts.s1.assignee', kind: 'set', value: null, previous: 'ana' },
    ]))
  })

  it('setSettings and coverage (a plain value)', () => {
    const doc = base()
    const coverage = [{ role: 'doctor', start: '08:00', end: '20:00', min: 2 }]
    expect(describeOn(doc, updateFrom(doc, (r) => setSettings(r, { weekStartsOn: 'sunday', coverage })))).toEqual(expect.arrayContaining([
      { path: 'settings.weekStartsOn', kind: 'set', value: 'sunday', previous: 'monday' },
      { path: 'settings.coverage', kind: 'set', value: coverage, previous: sampleJSON().settings.coverage },
    ]))
  })

  it('append and list item removal by path op', () => {
    const doc = base()
    expect(describeOn(doc, updateFrom(doc, (r) => applyOps(r, [{ op: 'append', path: 'staff.ana.unavailable', value: '2026-12-24' }])))).toEqual([
      { path: 'staff.ana.unavailable', kind: 'insert', value: '2026-12-24' },
    ])
    expect(describeOn(doc, updateFrom(doc, (r) => applyOps(r, [{ op: 'delete', path: 'staff.ana.unavailable', value: '2026-12-01' }])))).toEqual([
      { path: 'staff.ana.unavailable', kind: 'delete', previous: '2026-12-01' },
    ])
  })

  it('a batch that creates a person and assigns them', () => {
    const doc = base()
    const changes = describeOn(doc, updateFrom(doc, (r) => applyOps(r, [
      { op: 'set', path: 'staff.cy', value: { name: 'Cy', role: 'nurse' } },
      { op: 'set', path: 'shifts.s2.assignee', value: 'cy' },
    ])))
    expect(changes.map((c) => `${c.kind} ${c.path}`).sort()).toEqual(['insert staff.cy', 'set shifts.s2.assignee'])
  })
})

describe('describeUpdate: raw Yjs edits on another replica', () => {
  it('overwriting a map key twice in one transaction reports the final value once', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => r.transact(() => {
      const s1 = r.getMap('shifts').get('s1') as Y.Map<unknown>
      s1.set('notes', 'a')
      s1.set('notes', 'b')
    }))
    expect(describeOn(doc, update)).toEqual([{ path: 'shifts.s1.notes', kind: 'set', value: 'b', previous: '' }])
  })

  it('a value changed and restored within one update reports nothing (fast-check seed -1620194462)', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => applyOps(r, [{ op: 'set', path: 'shifts.s2.role', value: 'porter' }, { op: 'set', path: 'shifts.s2.role', value: 'nurse' }]))
    expect(update.length).toBeGreaterThan(2) // the update does carry writes
    expect(describeOn(doc, update)).toEqual([])
  })

  it('a record removed and written again in one update is one record-level set (fast-check seed 997330709)', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => applyOps(r, [{ op: 'delete', path: 'staff.ben' }, { op: 'set', path: 'staff.ben', value: { name: 'Ana', role: 'nurse' } }]))
    expect(describeOn(doc, update)).toEqual([
      { path: 'staff.ben', kind: 'set', value: { name: 'Ana', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] }, previous: sampleStaff.ben },
    ])
  })

  it('a key the record lacks is an insert; a key outside the schema is flagged unknown', () => {
    const doc = base()
    ;(doc.getMap('shifts').get('s1') as Y.Map<unknown>).delete('notes')
    const update = updateFrom(doc, (r) => {
      const s1 = r.getMap('shifts').get('s1') as Y.Map<unknown>
      s1.set('notes', 'back')
      s1.set('colour', 'red')
    })
    expect(describeOn(doc, update)).toEqual(expect.arrayContaining([
      { path: 'shifts.s1.notes', kind: 'insert', value: 'back' },
      { path: 'shifts.s1.colour', kind: 'insert', value: 'red', unknown: true },
    ]))
  })

  it('nested new maps and arrays fold into one insert', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => {
      const skills = new Y.Array<string>()
      skills.push(['x'])
      const person = new Y.Map<unknown>()
      r.getMap('staff').set('dee', person)
      person.set('name', 'Dee')
      person.set('skills', skills)
      skills.push(['y'])
      const nested = new Y.Map<unknown>()
      person.set('extra', nested)
      nested.set('deep', 1)
    })
    expect(describeOn(doc, update)).toEqual([{ path: 'staff.dee', kind: 'insert', value: { name: 'Dee', skills: ['x', 'y'], extra: { deep: 1 } } }])
  })

  it('array inserts in the middle and ranged deletes, element by element', () => {
    const doc = base()
    const unavailable = () => (doc.getMap('staff').get('ana') as Y.Map<unknown>).get('unavailable') as Y.Array<string>
    unavailable().push(['2026-12-02', '2026-12-03', '2026-12-04'])
    const update = updateFrom(doc, (r) => {
      const list = (r.getMap('staff').get('ana') as Y.Map<unknown>).get('unavailable') as Y.Array<string>
      list.insert(1, ['2026-12-10', '2026-12-11'])
      list.delete(3, 2) // 2026-12-02, 2026-12-03
    })
    const changes = describeOn(doc, update)
    expect(changes).toHaveLength(4)
    expect(changes).toEqual(expect.arrayContaining([
      { path: 'staff.ana.unavailable', kind: 'insert', value: '2026-12-10' },
      { path: 'staff.ana.unavailable', kind: 'insert', value: '2026-12-11' },
      { path: 'staff.ana.unavailable', kind: 'delete', previous: '2026-12-02' },
      { path: 'staff.ana.unavailable', kind: 'delete', previous: '2026-12-03' },
    ]))
  })

  it('inserting and deleting the same element in one update reports nothing for it', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => r.transact(() => {
      const skills = (r.getMap('staff').get('ben') as Y.Map<unknown>).get('skills') as Y.Array<string>
      skills.push(['a', 'b', 'c'])
      skills.delete(1, 1)
    }))
    expect(describeOn(doc, update)).toEqual([
      { path: 'staff.ben.skills', kind: 'insert', value: 'a' },
      { path: 'staff.ben.skills', kind: 'insert', value: 'c' },
    ])
  })

  it('foreign roots and types are reported with unknown: true', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => {
      r.getMap('extra').set('x', 1)
      r.getArray('log').push(['hello'])
      r.getText('memo').insert(0, 'hi')
    })
    expect(describeOn(doc, update)).toEqual(expect.arrayContaining([
      { path: 'extra.x', kind: 'insert', value: 1, unknown: true },
      { path: 'log', kind: 'insert', value: 'hello', unknown: true },
      { path: 'memo', kind: 'insert', value: 'hi', unknown: true },
    ]))
  })

  it('an update the doc already has describes nothing (duplicate delivery)', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => assign(r, 's2', 'ben'))
    Y.applyUpdate(doc, update)
    expect(describeOn(doc, update)).toEqual([])
    expect(describeOn(doc, Y.encodeStateAsUpdate(doc))).toEqual([])
  })

  it('writes into a record the doc already deleted change nothing', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => assign(r, 's2', 'ben'))
    removeShift(doc, 's2')
    expect(describeOn(doc, update)).toEqual([])
  })
})

describe('describeUpdate: concurrent replicas', () => {
  it('a concurrent overwrite reports the doc’s current value as previous', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => assign(r, 's2', 'ben'))
    assign(doc, 's2', 'ana') // concurrently, on the doc
    expect(describeOn(doc, update)).toEqual([{ path: 'shifts.s2.assignee', kind: 'set', value: 'ben', previous: 'ana' }])
  })

  it('concurrent appends to the same list', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => applyOps(r, [{ op: 'append', path: 'staff.ben.skills', value: 'er' }]))
    applyOps(doc, [{ op: 'append', path: 'staff.ben.skills', value: 'icu' }])
    expect(describeOn(doc, update)).toEqual([{ path: 'staff.ben.skills', kind: 'insert', value: 'er' }])
  })

  it('a delete of a record the doc changed concurrently', () => {
    const doc = base()
    const update = updateFrom(doc, (r) => removeShift(r, 's1'))
    updateShift(doc, 's1', { notes: 'late change' })
    expect(describeOn(doc, update)).toEqual([{ path: 'shifts.s1', kind: 'delete', previous: { ...sampleShifts.s1, notes: 'late change' } }])
  })

  it('an update built on edits the doc has not seen: places unknown are marked, not guessed', () => {
    const doc = base()
    const b = replicaOf(doc)
    applyOps(b, [{ op: 'append', path: 'staff.ben.skills', value: 'x' }, { op: 'set', path: 'settings.name', value: 'B' }])
    const c = replicaOf(b) // has B's edits, which doc lacks
    const sv = Y.encodeStateVector(c)
    applyOps(c, [
      { op: 'append', path: 'staff.ben.skills', value: 'y' }, // its left neighbour is B's 'x'
      { op: 'set', path: 'settings.name', value: 'C' }, // overwrites B's item
      { op: 'delete', path: 'staff.ben.skills', value: 'x' }, // deletes B's item
    ])
    const changes = describeOn(doc, Y.encodeStateAsUpdate(c, sv))
    const unknown = changes.filter((c) => c.path === '?')
    expect(unknown).toHaveLength(3)
    for (const change of unknown) expect(change.unknown).toBe(true)
    expect(unknown.map((c) => c.kind).sort()).toEqual(['delete', 'insert', 'insert'])
    // encodeStateAsUpdate carries the whole delete set, so B's overwrite of the doc's own name item is in it:
    // applied now, it would remove the name the doc shows (C's replacement waits for B's item).
    expect(changes.filter((c) => c.path !== '?')).toEqual([{ path: 'settings.name', kind: 'delete', previous: 'Ward 3' }])
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(c, sv))
    expect(doc.getMap('settings').get('name')).toBeUndefined()
  })
})

describe('describeUpdate: bad input', () => {
  it('ROTA_MODEL_BAD_UPDATE for bytes that are not an update', () => {
    const doc = base()
    const real = updateFrom(doc, (r) => assign(r, 's2', 'ben'))
    for (const bytes of [new Uint8Array([1, 2, 3, 200, 100]), real.slice(0, real.length - 3), new Uint8Array([255, 255, 255, 255, 255, 255])]) {
      try {
        describeUpdate(doc, bytes)
        expect.unreachable()
      } catch (err) {
        expect(err).toBeInstanceOf(ModelError)
        expect((err as ModelError).code).toBe(ModelErrorCode.BadUpdate)
      }
    }
    expect(() => describeUpdate(doc, 'nope' as unknown as Uint8Array)).toThrow(ModelError)
  })

  it('property: corrupted updates give a list or ROTA_MODEL_BAD_UPDATE, never another error', () => {
    const doc = base()
    const real = updateFrom(doc, (r) => {
      addStaff(r, 'cy', { name: 'Cy', role: 'nurse', skills: ['a'] })
      assign(r, 's2', 'cy')
      removeShift(r, 's1')
    })
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }), fc.nat(), (flips, cut) => {
        const bytes = real.slice(0, real.length - (cut % 4))
        for (const { at, byte } of flips) bytes[at % bytes.length] = byte
        try {
          expect(Array.isArray(describeUpdate(doc, bytes))).toBe(true)
        } catch (err) {
          expect(err).toBeInstanceOf(ModelError)
          expect((err as ModelError).code).toBe(ModelErrorCode.BadUpdate)
        }
      }),
      fcOptions(200),
    )
  }, 60_000)

  it('an empty update describes nothing', () => {
    expect(describeUpdate(base(), new Uint8Array([0, 0]))).toEqual([])
  })
})

/** Field-level differences between two schedules: record paths for added/removed records. */
const differences = (before: ScheduleJSON, after: ScheduleJSON): Array<{ path: string; before: unknown; after: unknown }> => {
  const out: Array<{ path: string; before: unknown; after: unknown }> = []
  for (const collection of ['staff', 'shifts'] as const) {
    const a = before[collection] as unknown as Record<string, Record<string, unknown>>
    const b = after[collection] as unknown as Record<string, Record<string, unknown>>
    for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!a[id] || !b[id]) {
        if (JSON.stringify(a[id]) !== JSON.stringify(b[id])) out.push({ path: `${collection}.${id}`, before: a[id], after: b[id] })
        continue
      }
      for (const field of Object.keys(b[id]!)) {
        if (JSON.stringify(a[id]![field]) !== JSON.stringify(b[id]![field])) out.push({ path: `${collection}.${id}.${field}`, before: a[id]![field], after: b[id]![field] })
      }
    }
  }
  for (const field of Object.keys(after.settings) as Array<keyof ScheduleJSON['settings']>) {
    if (JSON.stringify(before.settings[field]) !== JSON.stringify(after.settings[field])) out.push({ path: `settings.${field}`, before: before.settings[field], after: after.settings[field] })
  }
  return out
}

const LIST_FIELDS = /^staff\.[^.]+\.(skills|unavailable)$/
const sortedJSON = (values: unknown[]): string => JSON.stringify(values.map((v) => JSON.stringify(v)).sort())

describe('describeUpdate: property', () => {
  it('matches what applying the update actually changes (sequential: exactly; concurrent: every change covered)', () => {
    fc.assert(
      fc.property(batchArb, fc.option(batchArb, { nil: undefined }), (batch, concurrent) => {
        const doc = base()
        const update = updateFrom(doc, (r) => {
          try {
            applyOps(r, batch)
          } catch {
            // invalid batches write nothing
          }
        })
        if (concurrent) {
          try {
            applyOps(doc, concurrent)
          } catch {
            // as above
          }
        }
        const before = toJSON(doc)
        const changes = describeOn(doc, update)
        Y.applyUpdate(doc, update)
        const after = toJSON(doc)
        for (const change of changes) expect(change.unknown).toBeUndefined()
        const diff = differences(before, after)
        // Every real change is described, at its path or at its record's path.
        for (const d of diff) {
          expect(changes.some((c) => c.path === d.path || d.path.startsWith(`${c.path}.`)), `undescribed change at ${d.path}`).toBe(true)
        }
        if (concurrent) return
        for (const d of diff) {
          if (changes.some((c) => d.path.startsWith(`${c.path}.`))) continue // the record was written whole: checked below
          const here = changes.filter((c) => c.path === d.path)
          if (LIST_FIELDS.test(d.path)) {
            // before − deleted + inserted = after, as multisets
            const remaining = [...(d.before as unknown[])]
            for (const c of here.filter((c) => c.kind === 'delete')) remaining.splice(remaining.indexOf(c.previous), 1)
            const inserted = here.filter((c) => c.kind === 'insert').map((c) => c.value)
            expect(sortedJSON([...remaining, ...inserted])).toBe(sortedJSON(d.after as unknown[]))
          } else if (here.length > 0) {
            expect(here).toHaveLength(1)
            const [c] = here
            if (d.after === undefined) expect(c).toEqual({ path: d.path, kind: 'delete', previous: d.before })
            else if (d.before === undefined) expect(c).toEqual({ path: d.path, kind: 'insert', value: d.after })
            else expect(c).toEqual({ path: d.path, kind: 'set', value: d.after, previous: d.before })
          }
        }
        // Nothing described that did not change; a record written whole carries the record it leaves.
        for (const c of changes) {
          const related = (d: { path: string }): boolean => d.path === c.path || c.path.startsWith(`${d.path}.`) || d.path.startsWith(`${c.path}.`)
          expect(diff.some(related), `spurious change at ${c.path}`).toBe(true)
          const [collection, id, field] = c.path.split('.')
          if (field === undefined && c.kind !== 'delete') expect(c.value).toEqual((after as unknown as Record<string, Record<string, unknown>>)[collection!]![id!])
        }
      }),
      fcOptions(100),
    )
  }, 60_000)
})
