import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addShift, applyOps, assign, removeStaff, setSettings, unassign, updateShift, updateStaff } from '@rota/model'
import { scene } from './fixtures.ts'
import { DocHistory } from './history.ts'
import { buildConflict } from './options.ts'

const kinds = (ds: Array<{ kind: string }>): string[] => ds.map((d) => d.kind).sort()

describe('detection', () => {
  it('[DB1] one person on two overlapping shifts from two offline sessions is a double booking', () => {
    const s = scene()
    s.a.edit((d) => assign(d, 's1', 'ana'))
    s.b.edit((d) => assign(d, 's2', 'ana'))
    s.a.connect()
    s.b.connect()
    const found = s.detect()
    expect(kinds(found)).toEqual(['double_booking'])
    const c = buildConflict(found[0]!)
    expect(c.refs).toEqual({ shifts: ['s1', 's2'], staff: ['ana'], paths: [], coverage: null })
    expect(c.edits.map((e) => e.editorId)).toEqual(['bob', 'alice'])
    expect(c.options).toEqual([
      { id: 'o1', keeps: ['bob'], label: expect.any(String), ops: [{ op: 'set', path: 'shifts.s1.assignee', value: null }] },
      { id: 'o2', keeps: ['alice'], label: expect.any(String), ops: [{ op: 'set', path: 'shifts.s2.assignee', value: null }] },
      { id: 'o3', keeps: ['bob', 'alice'], label: expect.any(String), ops: [] },
    ])
  })

  it('[DB2] back-to-back shifts are not a double booking', () => {
    const s = scene()
    s.a.edit((d) => assign(d, 's1', 'ana'))
    s.b.edit((d) => assign(d, 's3', 'ana'))
    s.a.connect()
    s.b.connect()
    expect(s.detect()).toEqual([])
  })

  it('[DB3] a shift across midnight overlaps the next morning', () => {
    const s = scene()
    s.a.edit((d) => assign(d, 's4', 'ben'))
    s.b.edit((d) => assign(d, 's5', 'ben'))
    s.b.connect()
    s.a.connect()
    expect(kinds(s.detect())).toEqual(['double_booking'])
  })

  it('[V1] an edit made after its author synced the other edit is not concurrent with it', () => {
    const s = scene()
    s.a.edit((d) => assign(d, 's1', 'ana'))
    s.a.connect()
    s.b.connect()
    s.b.disconnect()
    s.b.edit((d) => assign(d, 's2', 'ana'))
    s.b.connect()
    expect(s.detect()).toEqual([])
  })

  it('[V1] live edits of two connected editors, each seeing the other, are not concurrent', () => {
    const s = scene()
    s.a.connect()
    s.b.connect()
    s.a.edit((d) => assign(d, 's1', 'ana'))
    // b is connected but only hears about it through the server: bring b up to date, as a broadcast would.
    Y.applyUpdate(s.b.doc, Y.encodeStateAsUpdate(s.server.doc))
    s.b.edit((d) => assign(d, 's2', 'ana'))
    expect(s.detect()).toEqual([])
  })

  it('[CO1] one field set concurrently to different values is a concurrent overwrite', () => {
    const s = scene()
    s.a.edit((d) => assign(d, 's1', 'ana'))
    s.b.edit((d) => assign(d, 's1', 'ben'))
    s.a.connect()
    s.b.connect()
    const found = s.detect()
    expect(kinds(found)).toEqual(['concurrent_overwrite'])
    const c = buildConflict(found[0]!)
    expect(c.refs.paths).toEqual(['shifts.s1.assignee'])
    const kept = Y.encodeStateAsUpdate(s.server.doc) && (s.server.doc.getMap('shifts').get('s1') as Y.Map<unknown>).get('assignee')
    const keepOther = c.options.find((o) => o.ops.length > 0)!
    expect(keepOther.ops).toEqual([{ op: 'set', path: 'shifts.s1.assignee', value: kept === 'ana' ? 'ben' : 'ana' }])
    expect(c.options).toHaveLength(2)
  })

  it('[CO1] an overwrite is found when the overwritten value and its predecessor are one merged Yjs item', () => {
    // The seeding client edits again offline: its old and new notes items are consecutive, and once both
    // are deleted Yjs merges them into one item (regression: found by the evaluation).
    const s = scene()
    s.a.connect()
    s.a.edit((d) => updateShift(d, 's6', { notes: 'seeded' }))
    s.b.connect()
    s.a.disconnect()
    s.b.disconnect()
    s.a.edit((d) => updateShift(d, 's6', { notes: 'bring keys' }))
    s.b.edit((d) => updateShift(d, 's6', { notes: 'cover the desk' }))
    s.a.connect()
    s.b.connect()
    expect(kinds(s.detect())).toEqual(['concurrent_overwrite'])
    const again = scene()
    again.a.connect()
    again.a.edit((d) => updateShift(d, 's6', { notes: 'seeded' }))
    again.b.connect()
    again.a.disconnect()
    again.b.disconnect()
    again.a.edit((d) => updateShift(d, 's6', { notes: 'bring keys' }))
    again.b.edit((d) => updateShift(d, 's6', { notes: 'cover the desk' }))
    again.b.connect()
    again.a.connect()
    expect(kinds(again.detect())).toEqual(['concurrent_overwrite'])
  })

  it('[CO2] the same value set twice, and different fields of one shift, are not conflicts', () => {
    const s = scene()
    s.a.edit((d) => { assign(d, 's1', 'ana'); updateShift(d, 's2', { notes: 'bring keys' }) })
    s.b.edit((d) => { assign(d, 's1', 'ana'); updateShift(d, 's2', { start: '14:00' }) })
    s.a.connect()
    s.b.connect()
    expect(s.detect()).toEqual([])
  })

  it('[CO3] concurrent notes offer a keep-both option that joins them', () => {
    const s = scene()
    s.a.edit((d) => updateShift(d, 's2', { notes: 'bring keys' }))
    s.b.edit((d) => updateShift(d, 's2', { notes: 'cover the desk' }))
    s.a.connect()
    s.b.connect()
    const c = buildConflict(s.detect()[0]!)
    const both = c.options.find((o) => o.keeps.length === 2)!
    expect(both.ops).toEqual([{ op: 'set', path: 'shifts.s2.notes', value: expect.stringMatching(/bring keys\ncover the desk|cover the desk\nbring keys/) }])
  })

  it('[V2] a live overwrite whose Yjs origin is not the visible value is concurrent even without a state vector', () => {
    const server = new Y.Doc()
    const a = new Y.Doc()
    const b = new Y.Doc()
    const seedUpdates: Uint8Array[] = []
    server.on('update', (u: Uint8Array) => seedUpdates.push(u))
    applyOps(server, [
      { op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } },
      { op: 'set', path: 'staff.ben', value: { name: 'Ben', role: 'nurse' } },
      { op: 'set', path: 'shifts.s1', value: { date: '2026-11-23', start: '09:00', end: '17:00', role: 'nurse' } },
    ])
    Y.applyUpdate(a, Y.encodeStateAsUpdate(server))
    Y.applyUpdate(b, Y.encodeStateAsUpdate(server))
    const ua: Uint8Array[] = []
    const ub: Uint8Array[] = []
    a.on('update', (u: Uint8Array) => ua.push(u))
    b.on('update', (u: Uint8Array) => ub.push(u))
    assign(a, 's1', 'ana')
    assign(b, 's1', 'ben')
    const h = new DocHistory('t/d')
    const ev = (seq: number, update: Uint8Array, actor: string) => ({ seq, update, actor, role: 'manager', origin: 'ws', receivedAt: seq })
    expect(h.ingest(ev(1, seedUpdates[0]!, 'admin'), true)).toEqual([])
    expect(h.ingest(ev(2, ua[0]!, 'alice'), true)).toEqual([])
    expect(kinds(h.ingest(ev(3, ub[0]!, 'bob'), true))).toEqual(['concurrent_overwrite'])
  })

  it('[MH1] weekly hours above the maximum after a merge is max_hours_exceeded; reaching it exactly is fine', () => {
    const exact = scene()
    exact.seed.edit((d) => { updateStaff(d, 'cy', { maxHoursPerWeek: 16 }); assign(d, 's6', 'cy') })
    exact.a.connect(); exact.b.connect(); exact.a.disconnect(); exact.b.disconnect()
    exact.a.edit((d) => assign(d, 's1', 'cy'))
    exact.b.edit((d) => updateShift(d, 's3', { notes: 'short' }))
    exact.a.connect()
    exact.b.connect()
    expect(exact.detect()).toEqual([])

    const over = scene()
    over.seed.edit((d) => { updateStaff(d, 'cy', { maxHoursPerWeek: 16 }); assign(d, 's6', 'cy') })
    over.a.connect(); over.b.connect(); over.a.disconnect(); over.b.disconnect()
    over.a.edit((d) => assign(d, 's1', 'cy'))
    over.b.edit((d) => assign(d, 's3', 'cy'))
    over.a.connect()
    over.b.connect()
    const found = over.detect()
    expect(kinds(found)).toEqual(['max_hours_exceeded'])
    const c = buildConflict(found[0]!)
    expect(c.options.map((o) => o.ops)).toEqual([
      [{ op: 'set', path: 'shifts.s1.assignee', value: null }],
      [{ op: 'set', path: 'shifts.s3.assignee', value: null }],
      [],
    ])
  })

  it('[MH1] [Q1] a shift across the week boundary counts in both weeks, split at midnight, as the model counts it', () => {
    // Sunday 22:00–06:00 is 2 h of the week of 11-23 and 6 h of the week of 11-30 (weeks from Monday).
    const s = scene()
    s.seed.edit((d) => {
      updateStaff(d, 'cy', { maxHoursPerWeek: 8 })
      addShift(d, 'sun', { date: '2026-11-29', start: '22:00', end: '06:00', role: 'nurse' })
      addShift(d, 'mon', { date: '2026-11-30', start: '07:00', end: '10:00', role: 'nurse' })
    })
    s.a.connect(); s.b.connect(); s.a.disconnect(); s.b.disconnect()
    s.a.edit((d) => assign(d, 'sun', 'cy'))
    s.b.edit((d) => assign(d, 'mon', 'cy'))
    s.a.connect()
    s.b.connect()
    const found = s.detect()
    expect(found.map((d) => d.key)).toEqual(['max_hours_exceeded:cy:2026-11-30'])
    expect(found[0]).toMatchObject({ violation: { hours: 9, max: 8, shifts: ['mon', 'sun'] } })
  })

  it('[CV1] [Q1] coverage counts handovers: two releases that each leave the window covered, together leave a gap', () => {
    const s = scene()
    s.seed.edit((d) => {
      setSettings(d, { coverage: [{ role: 'nurse', start: '12:00', end: '18:00', min: 1 }] })
      addShift(d, 'h1', { date: '2026-11-23', start: '12:00', end: '15:00', role: 'nurse', assignee: 'ana' })
      addShift(d, 'h2', { date: '2026-11-23', start: '15:00', end: '18:00', role: 'nurse', assignee: 'ben' })
      addShift(d, 'h3', { date: '2026-11-23', start: '12:00', end: '18:00', role: 'nurse', assignee: 'cy' })
    })
    s.a.connect(); s.b.connect(); s.a.disconnect(); s.b.disconnect()
    s.a.edit((d) => unassign(d, 'h3'))
    s.b.edit((d) => unassign(d, 'h1'))
    s.a.connect()
    s.b.connect()
    const found = s.detect()
    expect(kinds(found)).toEqual(['coverage_shortfall'])
    expect(found[0]).toMatchObject({ violation: { have: 0, min: 1, coverage: { role: 'nurse', date: '2026-11-23', start: '12:00', end: '18:00' } } })
  })

  it('[TO1] an assignment on a day the person took off concurrently is a time-off violation', () => {
    const s = scene(['staff', 'manager'])
    s.a.edit((d) => applyOps(d, [{ op: 'append', path: 'staff.ben.unavailable', value: '2026-11-23' }]))
    s.b.edit((d) => assign(d, 's2', 'ben'))
    s.b.connect()
    s.a.connect()
    const found = s.detect()
    expect(kinds(found)).toEqual(['time_off_violation'])
    const c = buildConflict(found[0]!)
    expect(c.features.options.find((o) => o.strategies.includes('self_service'))?.optionId).toBe('o1')
  })

  it('[SK1] an assignee lacking a skill the shift now requires is a skill mismatch', () => {
    const s = scene()
    s.a.edit((d) => updateShift(d, 's2', { requiredSkill: 'iv' }))
    s.b.edit((d) => assign(d, 's2', 'ben'))
    s.a.connect()
    s.b.connect()
    expect(kinds(s.detect())).toEqual(['skill_mismatch'])
  })

  it('[DR1] assigning someone another editor removed is a dangling reference', () => {
    const s = scene()
    s.a.edit((d) => removeStaff(d, 'cy'))
    s.b.edit((d) => assign(d, 's2', 'cy'))
    s.a.connect()
    s.b.connect()
    const found = s.detect()
    expect(kinds(found)).toEqual(['dangling_reference'])
    const c = buildConflict(found[0]!)
    expect(c.options).toHaveLength(2)
    expect(c.options[0]!.ops).toEqual([{ op: 'set', path: 'staff.cy', value: expect.objectContaining({ name: 'Cy' }) }])
    expect(c.options[1]!.ops).toEqual([{ op: 'set', path: 'shifts.s2.assignee', value: null }])
  })

  it('[CV1] two releases that each leave enough staff but together do not are a coverage shortfall', () => {
    const s = scene()
    s.seed.edit((d) => {
      setSettings(d, { coverage: [{ role: 'nurse', start: '13:00', end: '17:00', min: 2 }] })
      assign(d, 's1', 'ana'); assign(d, 's2', 'ben'); updateShift(d, 's3', { start: '12:00', end: '18:00' }); assign(d, 's3', 'cy')
    })
    s.a.connect(); s.b.connect(); s.a.disconnect(); s.b.disconnect()
    s.a.edit((d) => unassign(d, 's1'))
    s.b.edit((d) => unassign(d, 's2'))
    s.a.connect()
    s.b.connect()
    const found = s.detect()
    expect(kinds(found)).toEqual(['coverage_shortfall'])
    expect(buildConflict(found[0]!).refs.coverage).toEqual({ role: 'nurse', date: '2026-11-23', start: '13:00', end: '17:00' })
  })

  it('[N1] a violation one editor made knowingly in their own view is not a conflict', () => {
    const s = scene()
    s.a.edit((d) => { assign(d, 's1', 'ana'); assign(d, 's2', 'ana') })
    s.b.edit((d) => updateShift(d, 's5', { notes: 'x' }))
    s.a.connect()
    s.b.connect()
    expect(s.detect()).toEqual([])
  })
})
