import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addShift, assign, removeStaff } from '@rota/model'
import { ResolverErrorCode } from './errors.ts'
import { scene, type Scene } from './fixtures.ts'
import { learn, newTeamModel } from './model.ts'
import { createResolver, type Resolver } from './resolver.ts'
import { createMemoryStore, openLevelStore, type ResolverStore } from './store.ts'
import { defaultTeamSettings, type ConflictFeatures, type ConflictRecord } from './types.ts'

const DOC = 'ward/w48'
const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

/** A resolver wired to a simulated server: its changes become logged events it then observes, like rooms.change. */
const wire = (s: Scene, store: ResolverStore, calls: { changes: number }): Resolver => {
  const resolver: Resolver = createResolver({
    store,
    change: async (_doc, details, fn) => {
      calls.changes++
      const event = s.server.change(fn, 'resolver', 'system', 'resolver')
      expect(details).toHaveProperty('conflictId')
      if (event) void resolver.observe(DOC, event)
    },
  })
  return resolver
}

const doubleBooking = (s: Scene): void => {
  s.a.edit((d) => assign(d, 's1', 'ana'))
  s.b.edit((d) => assign(d, 's2', 'ana'))
  s.a.connect()
  s.b.connect()
}

const feed = async (s: Scene, ...resolvers: Resolver[]): Promise<void> => {
  for (const e of s.server.events) for (const r of resolvers) await r.observe(DOC, e)
  for (const r of resolvers) await r.idle()
}

const confidentDoubleBookingModel = () => {
  const f: ConflictFeatures = {
    kind: 'double_booking', magnitude: 4, rolesDiffer: false,
    options: [
      { optionId: 'o1', strategies: ['last_writer_wins'], keepAll: false },
      { optionId: 'o2', strategies: ['first_writer_wins'], keepAll: false },
      { optionId: 'o3', strategies: ['keep_all', 'yjs_kept'], keepAll: true },
    ],
  }
  let model = newTeamModel()
  for (let i = 0; i < 30; i++) model = learn(model, f, 'o2')
  return model
}

describe('the resolver engine', () => {
  it('[S2] two instances fed the same log derive the same conflict id and apply one resolution once', async () => {
    const store = createMemoryStore()
    await store.putTeam('ward', { model: confidentDoubleBookingModel(), settings: { ...defaultTeamSettings } })
    const s = scene()
    doubleBooking(s)
    const calls = { changes: 0 }
    const one = wire(s, store, calls)
    const two = wire(s, store, calls)
    await feed(s, one, two)
    const listed = await one.list(DOC, 'all')
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ kind: 'double_booking', status: 'auto_applied', suggestion: { strategy: 'first_writer_wins' } })
    expect(calls.changes).toBe(1)
    expect(await two.list(DOC, 'all')).toEqual(listed)
  })

  it('[S2] two instances resolving one conflict differently at once: exactly one wins, the other gets 409', async () => {
    const store = createMemoryStore()
    const s = scene()
    doubleBooking(s)
    const calls = { changes: 0 }
    const one = wire(s, store, calls)
    const two = wire(s, store, calls)
    await feed(s, one, two)
    const [c] = await one.list(DOC)
    const results = await Promise.allSettled([one.resolve(DOC, c!.id, 'o1', 'mia'), two.resolve(DOC, c!.id, 'o2', 'max')])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(failed.reason.code).toBe(ResolverErrorCode.StatusConflict)
    expect(calls.changes).toBe(1)
  })

  it('[R1] a late offline session that re-creates a resolved conflict makes a new conflict with a new id', async () => {
    const store = createMemoryStore()
    const s = scene()
    const carol = s.server.client('carol', 'lead')
    carol.connect()
    carol.disconnect()
    doubleBooking(s)
    const calls = { changes: 0 }
    const r = wire(s, store, calls)
    await feed(s, r)
    const [first] = await r.list(DOC)
    const keepAlice = first!.options.find((o) => o.keeps.length === 1 && o.keeps[0] === 'alice')!
    await r.resolve(DOC, first!.id, keepAlice.id, 'mia')
    await r.idle()
    const seen = s.server.events.length
    carol.edit((d) => addShift(d, 's9', { date: '2026-11-23', start: '12:00', end: '20:00', role: 'nurse', assignee: 'ana' }))
    carol.connect()
    for (const e of s.server.events.slice(seen)) await r.observe(DOC, e)
    const open = await r.list(DOC, 'open')
    expect(open).toHaveLength(1)
    expect(open[0]!.kind).toBe('double_booking')
    expect(open[0]!.id).not.toBe(first!.id)
  })

  it('[L1] an automatic resolution left alone is weak agreement; a dismissal undoes only its own change', async () => {
    const store = createMemoryStore()
    await store.putTeam('ward', { model: confidentDoubleBookingModel(), settings: { ...defaultTeamSettings } })
    const s = scene()
    doubleBooking(s)
    let clock = 0
    const calls = { changes: 0 }
    const r: Resolver = createResolver({
      store, now: () => clock, unchallengedAfterMs: 1000,
      change: async (_doc, _details, fn) => {
        calls.changes++
        const e = s.server.change(fn, 'resolver', 'system', 'resolver')
        if (e) void r.observe(DOC, e)
      },
    })
    await feed(s, r)
    const [c] = await r.list(DOC, 'auto_applied')
    const before = (await store.getTeam('ward'))!.model
    clock = 5000
    // Any later update of the team lets the resolver notice the resolution was left alone.
    s.seed.connect()
    s.seed.edit((d) => assign(d, 's6', 'dov'))
    for (const e of s.server.events.slice(-1)) await r.observe(DOC, e)
    await r.idle()
    const after = (await store.getTeam('ward'))!.model
    expect(after.weights).not.toEqual(before.weights)
    expect(after.answers).toBe(before.answers)
    const shifts = () => s.server.doc.getMap('shifts').toJSON() as Record<string, { assignee: string | null }>
    expect(shifts().s2!.assignee).toBe(null)
    const dismissed = await r.dismiss(DOC, c!.id, 'mia')
    await r.idle()
    expect(dismissed.status).toBe('dismissed')
    expect(shifts().s2!.assignee).toBe('ana')
    expect(shifts().s6!.assignee).toBe('dov')
  })

  it('[A5] overriding an automatic resolution undoes it and applies the new option in one transaction', async () => {
    const f: ConflictFeatures = {
      kind: 'dangling_reference', magnitude: 0, rolesDiffer: false,
      options: [
        { optionId: 'o1', strategies: ['last_writer_wins'], keepAll: false },
        { optionId: 'o2', strategies: ['first_writer_wins'], keepAll: false },
      ],
    }
    let model = newTeamModel()
    for (let i = 0; i < 30; i++) model = learn(model, f, 'o2')
    const store = createMemoryStore()
    await store.putTeam('ward', { model, settings: { ...defaultTeamSettings } })
    const s = scene()
    s.a.edit((d) => removeStaff(d, 'cy'))
    s.b.edit((d) => assign(d, 's2', 'cy'))
    s.a.connect()
    s.b.connect()
    const calls = { changes: 0 }
    const r = wire(s, store, calls)
    await feed(s, r)
    const [c] = await r.list(DOC, 'auto_applied')
    const state = () => s.server.doc.toJSON() as { staff: Record<string, unknown>; shifts: Record<string, { assignee: string | null }> }
    expect(c!.options.find((o) => o.id === c!.appliedOptionId)!.keeps).toEqual(['alice'])
    expect(state().shifts.s2!.assignee).toBe(null)
    const keepBob = c!.options.find((o) => o.keeps[0] === 'bob')!
    const done = await r.resolve(DOC, c!.id, keepBob.id, 'mia')
    await r.idle()
    expect(done.status).toBe('overridden')
    expect(state().shifts.s2!.assignee).toBe('cy')
    expect(state().staff.cy).toMatchObject({ name: 'Cy' })
    expect(calls.changes).toBe(2)
  })

  it('[S1] the LevelDB store keeps conflicts and team state across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-resolver-store-'))
    dirs.push(dir)
    let store = await openLevelStore(dir)
    const record = { id: 'c_1', doc: DOC, status: 'open', options: [] } as unknown as ConflictRecord
    expect(await store.claim(record)).toBe(true)
    expect(await store.claim(record)).toBe(false)
    await store.putTeam('ward', { model: confidentDoubleBookingModel(), settings: { threshold: 0.9, alwaysAsk: ['skill_mismatch'] } })
    await store.close()
    store = await openLevelStore(dir)
    expect(await store.get(DOC, 'c_1')).toEqual(record)
    expect((await store.getTeam('ward'))!.settings).toEqual({ threshold: 0.9, alwaysAsk: ['skill_mismatch'] })
    expect(await store.transition({ ...record, status: 'resolved' }, 'dismissed')).toBe(false)
    expect(await store.transition({ ...record, status: 'resolved' }, 'open')).toBe(true)
    expect((await store.list(DOC)).map((x) => x.status)).toEqual(['resolved'])
    // A document whose name extends this one's past the key separator ('!') is another document.
    expect(await store.claim({ ...record, doc: `${DOC}!x` })).toBe(true)
    expect((await store.list(DOC)).map((x) => x.doc)).toEqual([DOC])
    await store.close()
  })

  it('[E1] bad input gets a typed error and changes nothing', async () => {
    const store = createMemoryStore()
    const s = scene()
    doubleBooking(s)
    const calls = { changes: 0 }
    const r = wire(s, store, calls)
    await feed(s, r)
    const [c] = await r.list(DOC)
    await expect(r.resolve(DOC, 'c_nope', 'o1', 'x')).rejects.toMatchObject({ code: ResolverErrorCode.UnknownConflict })
    await expect(r.resolve(DOC, c!.id, 'o7', 'x')).rejects.toMatchObject({ code: ResolverErrorCode.UnknownOption })
    await expect(r.updateSettings('ward', { threshold: -1 })).rejects.toMatchObject({ code: ResolverErrorCode.BadInput })
    await expect(r.list(DOC, 'weird' as never)).rejects.toMatchObject({ code: ResolverErrorCode.BadInput })
    expect(calls.changes).toBe(0)
    expect((await r.list(DOC))[0]).toEqual(c)
  })
})
