/**
 * [RS1] [CD1] [SL1] [DH1]: working-time rules broken only by a merge are conflicts, with the usual options;
 * exactly at a limit, one editor's knowing edit, and a role's waiver are not.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { addShift, assign, setSettings, updateShift, type WorkRules } from '@rota/model'
import { scene, seedWard } from './fixtures.ts'
import { learn, newTeamModel, predict } from './model.ts'
import { buildConflict } from './options.ts'

const kinds = (ds: Array<{ kind: string }>): string[] => ds.map((d) => d.kind).sort()
const withRules = (rules: WorkRules, more?: (d: Y.Doc) => void) => (d: Y.Doc): void => {
  seedWard(d)
  d.transact(() => {
    setSettings(d, { workRules: rules })
    more?.(d)
  })
}

/** Two offline editors, each making one edit; both reconnect; what was detected. */
const merge = (seed: (d: Y.Doc) => void, editA: (d: Y.Doc) => void, editB: (d: Y.Doc) => void) => {
  const s = scene(['manager', 'lead'], seed)
  s.a.edit(editA)
  s.b.edit(editB)
  s.a.connect()
  s.b.connect()
  return s.detect()
}

describe('working-time rules broken by a merge', () => {
  it('[RS1] a late shift and the next early shift from two sessions leave too short a rest (rest_too_short)', () => {
    // s3 Monday 17:00–23:00, s6 Tuesday 09:00–17:00: 10 hours between them.
    const found = merge(withRules({ minRestHours: 11 }), (d) => assign(d, 's3', 'ana'), (d) => assign(d, 's6', 'ana'))
    expect(found.map((d) => d.key)).toEqual(['rest_too_short:ana:s3:s6'])
    const c = buildConflict(found[0]!)
    expect(c.kind).toBe('rest_too_short')
    expect(c.refs).toEqual({ shifts: ['s3', 's6'], staff: ['ana'], paths: [], coverage: null })
    expect(c.options.map((o) => o.ops)).toEqual([[{ op: 'set', path: 'shifts.s3.assignee', value: null }], [{ op: 'set', path: 'shifts.s6.assignee', value: null }], []])
    expect(c.features.magnitude).toBe(1)
  })

  it('[RS1] exactly the minimum rest is fine', () => {
    expect(merge(withRules({ minRestHours: 10 }), (d) => assign(d, 's3', 'ana'), (d) => assign(d, 's6', 'ana'))).toEqual([])
  })

  it('[RS1] a night shift then the morning after, across midnight; back-to-back shifts are a rest of 0, not a double booking', () => {
    // s4 22:00–06:00 then s6 Tuesday 09:00: 3 hours.
    expect(kinds(merge(withRules({ minRestHours: 11 }), (d) => assign(d, 's4', 'ben'), (d) => assign(d, 's6', 'ben')))).toEqual(['rest_too_short'])
    // s1 09:00–17:00 then s3 17:00–23:00.
    expect(merge(withRules({ minRestHours: 1 }), (d) => assign(d, 's1', 'ben'), (d) => assign(d, 's3', 'ben')).map((d) => d.key)).toEqual(['rest_too_short:ben:s1:s3'])
  })

  it('[WR1] a role that waives the rule has no conflict', () => {
    const rules = { minRestHours: 11, roles: { nurse: { minRestHours: null } } }
    expect(merge(withRules(rules), (d) => assign(d, 's3', 'ana'), (d) => assign(d, 's6', 'ana'))).toEqual([])
  })

  it('[WR1] rules set in one session and a shift assigned in another: keeping the assignment\'s editor sets no rules', () => {
    const found = merge(
      (d) => { seedWard(d); assign(d, 's3', 'ana') },
      (d) => setSettings(d, { workRules: { minRestHours: 11 } }),
      (d) => assign(d, 's6', 'ana'),
    )
    expect(kinds(found)).toEqual(['rest_too_short'])
    const c = buildConflict(found[0]!)
    const byEditor = Object.fromEntries(c.options.map((o) => [o.keeps.join(','), o.ops]))
    expect(byEditor.alice).toEqual([{ op: 'set', path: 'shifts.s6.assignee', value: null }])
    expect(byEditor.bob).toEqual([{ op: 'set', path: 'settings.workRules', value: {} }])
  })

  it('[N1] a rest one editor made short knowingly is not a conflict', () => {
    const found = merge(withRules({ minRestHours: 11 }), (d) => { assign(d, 's3', 'ana'); assign(d, 's6', 'ana') }, (d) => updateShift(d, 's6', { notes: 'keys' }))
    expect(found).toEqual([])
  })

  it('[CD1] working days joined by two sessions into a run above the maximum (too_many_consecutive_days)', () => {
    const seed = withRules({ maxConsecutiveDays: 2 }, (d) => { addShift(d, 'w1', { date: '2026-11-25', start: '09:00', end: '17:00', role: 'nurse' }); assign(d, 'w1', 'cy') })
    const found = merge(seed, (d) => assign(d, 's1', 'cy'), (d) => assign(d, 's6', 'cy'))
    expect(found.map((d) => d.key)).toEqual(['too_many_consecutive_days:cy:2026-11-23'])
    expect((found[0] as { violation: unknown }).violation).toMatchObject({ from: '2026-11-23', to: '2026-11-25', days: 3, max: 2, shifts: ['s1', 's6', 'w1'] })
    expect(buildConflict(found[0]!).options).toHaveLength(3)
    // Exactly the maximum is fine.
    expect(merge(withRules({ maxConsecutiveDays: 3 }, (d) => { addShift(d, 'w1', { date: '2026-11-25', start: '09:00', end: '17:00', role: 'nurse' }); assign(d, 'w1', 'cy') }), (d) => assign(d, 's1', 'cy'), (d) => assign(d, 's6', 'cy'))).toEqual([])
  })

  it('[CD1] a run goes across the week boundary', () => {
    const seed = withRules({ maxConsecutiveDays: 2 }, (d) => {
      for (const [id, date] of [['sat', '2026-11-28'], ['sun', '2026-11-29'], ['mon', '2026-11-30']] as const) addShift(d, id, { date, start: '07:00', end: '15:00', role: 'nurse' })
      assign(d, 'sat', 'ben')
    })
    expect(merge(seed, (d) => assign(d, 'sun', 'ben'), (d) => assign(d, 'mon', 'ben')).map((d) => d.key)).toEqual(['too_many_consecutive_days:ben:2026-11-28'])
  })

  it('[SL1] a start moved earlier and an end moved later in two sessions make a shift too long (shift_too_long)', () => {
    const found = merge(withRules({ maxShiftHours: 10 }), (d) => updateShift(d, 's1', { start: '07:00' }), (d) => updateShift(d, 's1', { end: '19:00' }))
    expect(found.map((d) => d.key)).toEqual(['shift_too_long:s1'])
    const c = buildConflict(found[0]!)
    expect(c.refs).toEqual({ shifts: ['s1'], staff: [], paths: [], coverage: null })
    expect(c.options.map((o) => o.ops)).toEqual([[{ op: 'set', path: 'shifts.s1.start', value: '09:00' }], [{ op: 'set', path: 'shifts.s1.end', value: '17:00' }], []])
    expect(c.features.magnitude).toBe(2)
  })

  it('[SL1] exactly the maximum, and a role allowed longer shifts, are fine', () => {
    expect(merge(withRules({ maxShiftHours: 12 }), (d) => updateShift(d, 's1', { start: '07:00' }), (d) => updateShift(d, 's1', { end: '19:00' }))).toEqual([])
    expect(merge(withRules({ maxShiftHours: 10, roles: { nurse: { maxShiftHours: 24 } } }), (d) => updateShift(d, 's1', { start: '07:00' }), (d) => updateShift(d, 's1', { end: '19:00' }))).toEqual([])
  })

  it('[DH1] two shifts of one day from two sessions are more hours than a day allows (day_too_long)', () => {
    // s1 09:00–17:00 and s3 17:00–23:00: 14 hours on Monday.
    const found = merge(withRules({ maxDayHours: 12 }), (d) => assign(d, 's1', 'ana'), (d) => assign(d, 's3', 'ana'))
    expect(found.map((d) => d.key)).toEqual(['day_too_long:ana:2026-11-23'])
    expect((found[0] as { violation: unknown }).violation).toMatchObject({ hours: 14, max: 12, shifts: ['s1', 's3'] })
    expect(merge(withRules({ maxDayHours: 14 }), (d) => assign(d, 's1', 'ana'), (d) => assign(d, 's3', 'ana'))).toEqual([])
  })

  it('[DH1] a night shift counts on the next date from midnight', () => {
    // s4 22:00–06:00 is 6 hours on Tuesday; with s6 09:00–17:00, 14.
    expect(merge(withRules({ maxDayHours: 12 }), (d) => assign(d, 's4', 'cy'), (d) => assign(d, 's6', 'cy')).map((d) => d.key)).toEqual(['day_too_long:cy:2026-11-24'])
  })

  it('[RS1] [DH1] [SL1] one merge breaking several rules is one conflict per rule', () => {
    const rules = { minRestHours: 11, maxDayHours: 12, maxShiftHours: 10, maxConsecutiveDays: 1 }
    const found = merge(withRules(rules), (d) => { assign(d, 's1', 'ana'); updateShift(d, 's1', { start: '07:00' }) }, (d) => { assign(d, 's3', 'ana'); updateShift(d, 's1', { end: '19:00' }) })
    // s1 becomes 07:00–19:00 (12 h), ana on it and on s3 17:00–23:00: also a double booking.
    expect(kinds(found)).toEqual(['day_too_long', 'double_booking', 'shift_too_long'])
  })
})

describe('the model learns the new kinds like the others', () => {
  it('[M2] a team that keeps everything on short rests is suggested keep-all for them, with confidence', () => {
    const found = merge(withRules({ minRestHours: 11 }), (d) => assign(d, 's3', 'ana'), (d) => assign(d, 's6', 'ana'))
    const f = buildConflict(found[0]!).features
    const keepAll = f.options.find((o) => o.keepAll)!.optionId
    let m = newTeamModel()
    for (let i = 0; i < 8; i++) m = learn(m, f, keepAll)
    const p = predict(m, f)
    expect(p.optionId).toBe(keepAll)
    expect(['keep_all', 'yjs_kept']).toContain(p.strategy)
    expect(p.trusted).toBe(true)
    expect(p.confidence).toBeGreaterThan(0.8)
  })
})
