/**
 * Resolvers of several instances on one shared store, each fed by a lease-holding log feed (feed.ts):
 * run by every shared backend from its test file (the memory reference in feed.test.ts, PostgreSQL in
 * @rota/resolver-postgres). The "log" is a SimServer's events (dense seqs, in order), read by every
 * instance; each instance is poked only for the updates "its" clients sent, as rooms.onUpdate would.
 * Time is a variable the tests move: nothing waits for a clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { assign } from '@rota/model'
import { createLogFeed, type FeedLog, type LogFeed } from './feed.ts'
import { scene, type Scene } from './fixtures.ts'
import type { EditEvent } from './history.ts'
import type { DocLease } from './lease.ts'
import { learn, newTeamModel } from './model.ts'
import { createResolver, type Resolver } from './resolver.ts'
import type { ResolverStore } from './store.ts'
import { defaultTeamSettings, type ConflictFeatures } from './types.ts'

export interface SharedResolverStorage {
  /** A new store object on the shared storage (one per instance). */
  openStore(): Promise<ResolverStore>
  /** The lease of instance `holder`, judging expiry by `now`. */
  lease(holder: string, now: () => number, ttlMs: number): DocLease
  /** Closes what it opened and removes the storage. */
  cleanup(): Promise<void>
}

const DOC = 'ward/w48'
const TTL = 10_000

interface Instance { name: string; resolver: Resolver; feed: LogFeed; store: ResolverStore; examined: number[] }

const logOf = (s: Scene): FeedLog => ({
  async *read(_doc, fromSeq, toSeq) {
    for (const e of [...s.server.events]) if (e.seq >= fromSeq && e.seq <= toSeq) yield e
  },
  head: async () => s.server.events.at(-1)?.seq ?? 0,
})

const confidentModel = () => {
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

export function runSharedResolverTests(name: string, setup: () => Promise<SharedResolverStorage>): void {
  describe(`resolvers of several instances on one store: ${name}`, () => {
    let storage: SharedResolverStorage
    let now = 0
    let changes = 0
    const instances: Instance[] = []
    beforeEach(async () => {
      storage = await setup()
      now = 0
      changes = 0
    })
    afterEach(async () => {
      for (const i of instances.splice(0)) {
        await i.feed.stop()
        await i.resolver.idle()
        await i.store.close()
      }
      await storage.cleanup()
    })

    /** An instance: its resolver changes the document like rooms.change, and is poked for its own change. */
    const instance = async (s: Scene, instanceName: string, lease?: DocLease, before?: () => Promise<void>): Promise<Instance> => {
      const store = await storage.openStore()
      const log = logOf(s)
      const examined: number[] = []
      // The resolver's own changes poke the feed made after it, as rooms.onUpdate would.
      const ref: { feed?: LogFeed } = {}
      // As the extension makes it when the store is shared.
      const resolver = createResolver({
        store, log, cacheTeams: false, recoverClaims: true,
        change: async (_doc, _details, fn) => {
          await before?.()
          changes++
          const event = s.server.change(fn, 'resolver', 'system', 'resolver')
          if (event) ref.feed?.poke(DOC, event.seq)
        },
      })
      const counted = { observe: (doc: string, e: EditEvent) => (examined.push(e.seq), resolver.observe(doc, e)), forget: (doc: string) => resolver.forget(doc) }
      const feed = createLogFeed({ resolver: counted, log, lease: lease ?? storage.lease(instanceName, () => now, TTL), isOpen: () => true, now: () => now })
      ref.feed = feed
      const made = { name: instanceName, resolver, feed, store, examined }
      instances.push(made)
      return made
    }

    /** Steps every instance until none has work left (bounded: a loop would fail the test, not hang it). */
    const settle = async (...running: Instance[]): Promise<void> => {
      for (let round = 0; round < 20; round++) {
        for (const i of running) await i.feed.tick()
        for (const i of running) {
          await i.feed.idle()
          await i.resolver.idle()
        }
      }
    }

    const doubleBooking = (s: Scene, ...pokes: Array<[Instance, 'a' | 'b']>): void => {
      const seen = s.server.events.length
      s.a.edit((d) => assign(d, 's1', 'ana'))
      s.b.edit((d) => assign(d, 's2', 'ana'))
      s.a.connect()
      const afterA = s.server.events.length
      s.b.connect()
      for (const [inst, who] of pokes) {
        const events = who === 'a' ? s.server.events.slice(seen, afterA) : s.server.events.slice(afterA)
        for (const e of events) inst.feed.poke(DOC, e.seq)
      }
    }

    it('two instances fed the same conflicting updates apply one automatic resolution, examined by one of them', async () => {
      const s = scene()
      const one = await instance(s, 'i1')
      const two = await instance(s, 'i2')
      await one.store.putTeam('ward', { model: confidentModel(), settings: { ...defaultTeamSettings } })
      for (const e of s.server.events) one.feed.poke(DOC, e.seq)
      await settle(one)
      doubleBooking(s, [one, 'a'], [two, 'b'])
      await settle(one, two)
      const listed = await two.resolver.list(DOC, 'all')
      expect(listed).toHaveLength(1)
      expect(listed[0]).toMatchObject({ kind: 'double_booking', status: 'auto_applied' })
      expect(changes).toBe(1)
      // One holder examined every entry once, its own change included; the other examined none.
      expect(one.examined).toEqual(s.server.events.map((e) => e.seq))
      expect(two.examined).toEqual([])
      expect([...one.feed.held().keys()]).toEqual([DOC])
    })

    it('two instances that both think they hold the lease still resolve each conflict once (compare-and-set)', async () => {
      const s = scene()
      const always = (holder: string): DocLease => ({
        holder, acquire: async () => ({ progress: null }), record: async () => true, progress: async () => null, release: async () => undefined,
      })
      const one = await instance(s, 'i1', always('i1'))
      const two = await instance(s, 'i2', always('i2'))
      await one.store.putTeam('ward', { model: confidentModel(), settings: { ...defaultTeamSettings } })
      for (const e of s.server.events) {
        one.feed.poke(DOC, e.seq)
        two.feed.poke(DOC, e.seq)
      }
      doubleBooking(s, [one, 'a'], [one, 'b'], [two, 'a'], [two, 'b'])
      await settle(one, two)
      const listed = await one.resolver.list(DOC, 'all')
      expect(listed).toHaveLength(1)
      expect(listed[0]).toMatchObject({ status: 'auto_applied' })
      expect(changes).toBe(1)
      expect(await two.resolver.list(DOC, 'all')).toEqual(listed)
    })

    it('takes the lease over after its holder stops renewing, from the progress it recorded', async () => {
      const s = scene()
      const one = await instance(s, 'i1')
      const two = await instance(s, 'i2')
      for (const e of s.server.events) one.feed.poke(DOC, e.seq)
      await settle(one)
      const progress = s.server.events.at(-1)!.seq
      expect([...one.feed.held()]).toEqual([[DOC, progress]])
      // i1 "crashes": it never steps again. i2 gets the conflicting edits.
      doubleBooking(s, [two, 'a'], [two, 'b'])
      await settle(two)
      expect(two.examined).toEqual([])
      expect(await two.resolver.list(DOC)).toEqual([])
      now += TTL - 1
      await settle(two)
      expect(two.examined).toEqual([])
      now += 1
      await settle(two)
      // Only the entries after i1's progress: nothing examined twice, nothing skipped.
      expect(two.examined).toEqual(s.server.events.filter((e) => e.seq > progress).map((e) => e.seq))
      const open = await two.resolver.list(DOC)
      expect(open).toHaveLength(1)
      expect(open[0]).toMatchObject({ kind: 'double_booking', status: 'open' })
      expect([...two.feed.held().keys()]).toEqual([DOC])
      // i1 wakes up (a long pause, not a crash): it finds the lease gone and stops feeding.
      await settle(one)
      expect(one.feed.held().size).toBe(0)
      expect(await one.resolver.list(DOC)).toEqual(open)
    })

    it('asks a conflict whose automatic resolution a crashed holder claimed and never finished', async () => {
      const s = scene()
      // i1's change never returns, as if the process died inside it; failed at the end so i1 can stop.
      let crash: ((err: Error) => void) | undefined
      const hang = () => new Promise<void>((_resolve, reject) => (crash = reject))
      const one = await instance(s, 'i1', undefined, hang)
      const two = await instance(s, 'i2')
      await one.store.putTeam('ward', { model: confidentModel(), settings: { ...defaultTeamSettings } })
      for (const e of s.server.events) one.feed.poke(DOC, e.seq)
      await settle(one)
      doubleBooking(s, [one, 'a'], [one, 'b'])
      void one.feed.tick()
      // Wait (bounded) until i1 claimed the conflict and entered its change: then it "dies".
      for (let i = 0; i < 2000 && crash === undefined; i++) await new Promise((r) => setTimeout(r, 5))
      expect(crash).toBeDefined()
      expect(await two.resolver.list(DOC, 'all')).toEqual([])
      now += TTL
      for (const e of s.server.events) two.feed.poke(DOC, e.seq)
      await settle(two)
      const open = await two.resolver.list(DOC, 'all')
      expect(open).toHaveLength(1)
      expect(open[0]).toMatchObject({ kind: 'double_booking', status: 'open', appliedOptionId: null })
      expect(changes).toBe(0)
      // i1 comes back and fails its change: its compare-and-set on `claimed` loses, the conflict stays asked.
      crash!(new Error('crashed'))
      await one.resolver.idle()
      expect(await two.resolver.list(DOC, 'all')).toEqual(open)
    })

    it('releases a lease on stop, so another instance takes it at once', async () => {
      const s = scene()
      const one = await instance(s, 'i1')
      const two = await instance(s, 'i2')
      for (const e of s.server.events) one.feed.poke(DOC, e.seq)
      await settle(one)
      await one.feed.stop()
      doubleBooking(s, [two, 'a'], [two, 'b'])
      await settle(two)
      expect(await two.resolver.list(DOC)).toHaveLength(1)
      expect([...two.feed.held().keys()]).toEqual([DOC])
    })
  })
}
