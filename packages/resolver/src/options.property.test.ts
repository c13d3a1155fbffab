/**
 * [O1]–[O3] for any number of involved editors: 2–4 offline sessions edit one ward concurrently, in every
 * conflict kind (the working-time kinds [RS1] [CD1] [SL1] [DH1] too), reconnect in a random order, and each option of every conflict found is applied to the
 * merged document, which must then read as the option's label and `keeps` say. Seeded: a failure prints
 * its seed and path (fast-check), and failing cases stay below as named tests.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import { addShift, addStaff, applyOps, assign, removeStaff, toJSON, unassign, updateShift, updateStaff, setSettings } from '@rota/model'
import { seedWard } from './fixtures.ts'
import { DocHistory, type Detection } from './history.ts'
import { applyWithInverse } from './ops.ts'
import { buildConflict } from './options.ts'
import { holds } from './rules.ts'
import { valueAt } from './schedule.ts'
import { ScheduleIndex } from './indexes.ts'
import { createResolver } from './resolver.ts'
import { createMemoryStore } from './store.ts'
import { SimServer, type SimClient } from './testing.ts'
import type { ConflictKind } from './types.ts'

const NURSES = ['ana', 'ben', 'cy', 'eve', 'fay'] as const
const MON = '2026-11-23'
const NOTES = ['bring keys', 'call pharmacy', 'new patient in 4', 'check the fridge']
const STARTS = ['08:00', '08:30', '10:00', '11:00']

/** The ward of fixtures.ts, two more nurses, and a shift overlapping s1 and s2 (three-way double bookings). */
const seed = (d: Y.Doc): void => {
  seedWard(d)
  d.transact(() => {
    addStaff(d, 'eve', { name: 'Eve', role: 'nurse', skills: [], maxHoursPerWeek: 40 })
    addStaff(d, 'fay', { name: 'Fay', role: 'nurse', skills: [], maxHoursPerWeek: 40 })
    addShift(d, 's7', { date: MON, start: '10:00', end: '18:00', role: 'nurse' })
    addShift(d, 's8', { date: '2026-11-25', start: '09:00', end: '17:00', role: 'nurse' })
  })
}

/** What editor `i` of `n` does offline, per scenario; `prep` runs on the seed first. */
interface Plan { expect: ConflictKind; prep?: (d: Y.Doc, n: number) => void; edit: (d: Y.Doc, i: number) => void }

const plans: Record<string, Plan> = {
  assignee: { expect: 'concurrent_overwrite', edit: (d, i) => assign(d, 's1', NURSES[i] as string) },
  notes: { expect: 'concurrent_overwrite', edit: (d, i) => updateShift(d, 's1', { notes: NOTES[i] as string }) },
  start: { expect: 'concurrent_overwrite', edit: (d, i) => updateShift(d, 's1', { start: STARTS[i] as string }) },
  // s1, s2 and s7 overlap each other on Monday; a fourth editor books ana on s1 too, with a note.
  double: {
    expect: 'double_booking',
    edit: (d, i) => {
      assign(d, ['s1', 's2', 's7', 's1'][i] as string, 'ana')
      if (i === 3) updateShift(d, 's1', { notes: 'ana asked for it' })
    },
  },
  // 8 h a week for each other editor: all n shifts together are over, no one editor's alone.
  hours: {
    expect: 'max_hours_exceeded', prep: (d, n) => updateStaff(d, 'ben', { maxHoursPerWeek: 8 * (n - 1) }),
    edit: (d, i) => assign(d, ['s1', 's6', 's8', 's3'][i] as string, 'ben'),
  },
  timeOff: {
    expect: 'time_off_violation',
    edit: (d, i) => (i === 0 ? applyOps(d, [{ op: 'append', path: 'staff.cy.unavailable', value: MON }]) : assign(d, ['s1', 's2', 's7'][i - 1] as string, 'cy')),
  },
  skill: {
    expect: 'skill_mismatch',
    edit: (d, i) => (i === 0 ? updateShift(d, 's1', { requiredSkill: 'icu' }) : assign(d, ['s1', 's2', 's7'][i - 1] as string, 'ben')),
  },
  dangling: {
    expect: 'dangling_reference',
    edit: (d, i) => (i === 0 ? removeStaff(d, 'eve') : assign(d, ['s1', 's2', 's7'][i - 1] as string, 'eve')),
  },
  coverage: {
    expect: 'coverage_shortfall',
    // Four nurses on from 13:00 to 17:00, and one fewer than four minus the editors is too few: only all n unassignments together fall short.
    prep: (d, n) => {
      setSettings(d, { coverage: [{ role: 'nurse', start: '13:00', end: '17:00', min: 5 - n }] })
      for (const [s, who] of [['s1', 'ana'], ['s2', 'ben'], ['s7', 'cy'], ['s3', 'fay']] as const) assign(d, s, who)
      updateShift(d, 's3', { start: '12:00' })
    },
    edit: (d, i) => unassign(d, ['s1', 's2', 's7', 's3'][i] as string),
  },
  // [RS1]: s3 Monday 17:00–23:00 then s6 Tuesday 09:00: 10 hours' rest; a fourth editor books the same.
  rest: {
    expect: 'rest_too_short', prep: (d) => setSettings(d, { workRules: { minRestHours: 11 } }),
    edit: (d, i) => assign(d, ['s3', 's6', 's8', 's3'][i] as string, 'fay'),
  },
  // [CD1]: fay works Wednesday; Monday and Tuesday from two editors make three days in a row, more make it longer.
  days: {
    expect: 'too_many_consecutive_days',
    prep: (d) => {
      setSettings(d, { workRules: { maxConsecutiveDays: 2 } })
      assign(d, 's8', 'fay')
      addShift(d, 's9', { date: '2026-11-26', start: '09:00', end: '17:00', role: 'nurse' })
      addShift(d, 's10', { date: '2026-11-27', start: '09:00', end: '17:00', role: 'nurse' })
    },
    edit: (d, i) => assign(d, ['s1', 's6', 's9', 's10'][i] as string, 'fay'),
  },
  // [SL1]: one editor moves s1's start, another its end; two more do the same to s2.
  length: {
    expect: 'shift_too_long', prep: (d) => setSettings(d, { workRules: { maxShiftHours: 10 } }),
    edit: (d, i) => updateShift(d, ['s1', 's1', 's2', 's2'][i] as string, [{ start: '07:00' }, { end: '19:00' }, { start: '11:00' }, { end: '23:00' }][i]!),
  },
  // [DH1]: s1 and s3 are 14 hours on Monday; other editors make unrelated assignments.
  day: {
    expect: 'day_too_long', prep: (d) => setSettings(d, { workRules: { maxDayHours: 12 } }),
    edit: (d, i) => assign(d, ['s1', 's3', 's8', 's5'][i] as string, ['fay', 'fay', 'eve', 'cy'][i] as string),
  },
}

interface Played { server: SimServer; detections: Detection[]; editors: SimClient[] }

/** Seeds, lets `n` editors sync and go offline, applies the plan's edits, reconnects them in `order`. */
const play = (plan: Plan, n: number, order: number[], roles: string[]): Played => {
  const server = new SimServer()
  const admin = server.client('admin', 'admin')
  admin.connect()
  admin.edit((d) => d.transact(() => { seed(d); plan.prep?.(d, n) }))
  const editors = Array.from({ length: n }, (_, i) => server.client(`ed-${i}`, roles[i] as string))
  for (const e of editors) e.connect()
  for (const e of editors) e.disconnect()
  editors.forEach((e, i) => e.edit((d) => d.transact(() => plan.edit(d, i))))
  for (const i of order) (editors[i] as SimClient).connect()
  const history = new DocHistory('ward/w48')
  return { server, editors, detections: server.events.flatMap((e) => history.ingest(e, true)) }
}

/** The merged document after applying an option's ops to a copy of it. */
const applied = (server: SimServer, ops: Parameters<typeof applyWithInverse>[2]) => {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(server.doc))
  copy.transact(() => applyWithInverse(copy, [], ops))
  return toJSON(copy)
}

/** Every check of one detection's options against the document each of them leaves. */
const checkOptions = (server: SimServer, d: Detection): void => {
  const c = buildConflict(d)
  const editorIds = d.editors.map((e) => e.editorId)
  for (const id of editorIds) expect(c.options.filter((o) => o.keeps.length === 1 && o.keeps[0] === id), `an option keeps ${id}`).toHaveLength(1)
  expect(c.options.map((o) => o.id)).toEqual(c.options.map((_, i) => `o${i + 1}`))
  for (const option of c.options) {
    const after = applied(server, option.ops)
    const what = `${d.key} ${option.label}`
    if (option.keeps.length > 1) {
      expect([...option.keeps].sort(), what).toEqual([...editorIds].sort())
      if (d.kind === 'concurrent_overwrite') {
        // [CO3]: every editor's note, once.
        const lines = String(valueAt(after, d.path) ?? '').split('\n')
        for (const e of d.editors) if (e.value) expect(lines, what).toContain(e.value)
      } else {
        expect(option.ops, what).toEqual([])
      }
      continue
    }
    const kept = d.editors.find((e) => e.editorId === option.keeps[0])!
    expect(option.label.startsWith(`Keep ${kept.editorId}'s`), what).toBe(true)
    if (d.kind === 'concurrent_overwrite') {
      expect(valueAt(after, d.path), what).toEqual(kept.value)
      continue
    }
    // [O1]: every path any involved editor changed reads as the kept editor saw it, so the violation is gone.
    for (const e of d.editors) {
      for (const path of e.changes.keys()) {
        const entity = path.split('.').slice(0, 2).join('.')
        const expected = valueAt(kept.view, entity) === undefined ? undefined : valueAt(kept.view, path)
        expect(valueAt(valueAt(after, entity) === undefined ? {} : after, path), `${what}: ${path}`).toEqual(expected)
      }
    }
    expect(holds(ScheduleIndex.fromJSON(after), d.violation), what).toBe(false)
  }
}

/**
 * Per key, the latest detection is the conflict as it stands (the resolver grows an open conflict when
 * another editor's edit joins it): it must name every editor whose edit takes part, and its options are
 * the ones checked against the final document.
 */
const latestPerKey = (p: Played, plan: Plan, n: number): Detection[] => {
  const latest = new Map<string, Detection>()
  for (const d of p.detections) latest.set(d.key, d)
  const ofKind = [...latest.values()].filter((d) => d.kind === plan.expect)
  expect(ofKind.length, `a ${plan.expect} is found`).toBeGreaterThan(0)
  // Every editor's edit takes part in these: each is one of the involved editors.
  if (plan.expect === 'concurrent_overwrite' || plan.expect === 'coverage_shortfall') for (const d of ofKind) expect(d.editors.length, d.key).toBe(n)
  return [...latest.values()]
}

const roleArb = fc.constantFrom('manager', 'lead', 'staff')
const caseArb = fc.integer({ min: 2, max: 4 }).chain((n) => fc.record({
  plan: fc.constantFrom(...Object.keys(plans)),
  n: fc.constant(n),
  order: fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
  roles: fc.array(roleArb, { minLength: n, maxLength: n }),
}))

const runCase = ({ plan, n, order, roles }: { plan: string; n: number; order: number[]; roles: string[] }): void => {
  const p = play(plans[plan] as Plan, n, order, roles)
  for (const d of latestPerKey(p, plans[plan] as Plan, n)) checkOptions(p.server, d)
}

describe('options do what they say for 2–4 editors', () => {
  it('[O1][O2][CO3] every option of every conflict, applied, leaves the document its label and keeps describe', () => {
    // ROTA_PROPERTY_SEED replays another stream (checked locally with several); CI runs the fixed one.
    const seed = Number(process.env.ROTA_PROPERTY_SEED ?? 20261203)
    fc.assert(fc.property(caseArb, runCase), { numRuns: 80, seed })
  }, 60_000)

  it('[CO3] keep-all on three concurrent notes keeps all three', () => runCase({ plan: 'notes', n: 3, order: [0, 1, 2], roles: ['lead', 'lead', 'lead'] }))
  it('[O1] a three-way assignee overwrite offers an option per involved editor', () => runCase({ plan: 'assignee', n: 3, order: [2, 0, 1], roles: ['lead', 'lead', 'lead'] }))
  it('[O1] keep X\'s start leaves X\'s start, four editors', () => runCase({ plan: 'start', n: 4, order: [3, 1, 0, 2], roles: ['manager', 'lead', 'lead', 'staff'] }))
})

/** The events of a played case through a real resolver (memory store): its changes become events it observes too. */
const resolverFor = async (p: Played) => {
  const resolver = createResolver({
    store: createMemoryStore(),
    change: async (_doc, _details, fn) => {
      const event = p.server.change(fn, 'resolver', 'system', 'resolver')
      if (event) void resolver.observe(DOC, event)
    },
  })
  for (const e of p.server.events) await resolver.observe(DOC, e)
  await resolver.idle()
  return resolver
}
const DOC = 'ward/w48'

describe('[O4] a conflict another editor joins grows, and answering it settles it', () => {
  for (const plan of Object.keys(plans)) {
    it(`${plan}: three editors, one open conflict per problem, every option resolves it`, async () => {
      const probe = await resolverFor(play(plans[plan] as Plan, 3, [0, 1, 2], ['lead', 'manager', 'lead']))
      const open = await probe.list(DOC)
      expect(new Set(open.map((c) => c.id)).size).toBe(open.length)
      const target = open.find((c) => c.kind === (plans[plan] as Plan).expect)!
      expect(target, `an open ${(plans[plan] as Plan).expect}`).toBeDefined()
      for (const option of target.options) {
        const p = play(plans[plan] as Plan, 3, [0, 1, 2], ['lead', 'manager', 'lead'])
        const resolver = await resolverFor(p)
        const done = await resolver.resolve(DOC, target.id, option.id, 'reviewer')
        expect(done.status, option.label).toBe('resolved')
        await resolver.idle()
        // Nothing left open about the same problem.
        expect((await resolver.list(DOC)).filter((c) => c.id === target.id)).toEqual([])
      }
    })
  }

  it('[CO3] three concurrent notes: one conflict, keep-all keeps all three in the document', async () => {
    const p = play(plans.notes as Plan, 3, [2, 0, 1], ['lead', 'lead', 'lead'])
    const resolver = await resolverFor(p)
    const [conflict, ...rest] = await resolver.list(DOC)
    expect(rest).toEqual([])
    expect(conflict!.edits).toHaveLength(3)
    const keepAll = conflict!.options.find((o) => o.keeps.length === 3)!
    await resolver.resolve(DOC, conflict!.id, keepAll.id, 'reviewer')
    const notes = String(valueAt(toJSON(p.server.doc), 'shifts.s1.notes')).split('\n')
    expect([...notes].sort()).toEqual(NOTES.slice(0, 3).sort())
  })
})
