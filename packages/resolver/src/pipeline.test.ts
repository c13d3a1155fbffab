import { describe, expect, it } from 'vitest'
import { Registry } from 'prom-client'
import * as Y from 'yjs'
import { assign } from '@rota/model'
import { realisticStream } from '../eval/realistic.ts'
import { scene } from './fixtures.ts'
import type { EditEvent } from './history.ts'
import { createResolverMetrics } from './metrics.ts'
import type { ResolverLog } from './pipeline.ts'
import { createResolver } from './resolver.ts'
import { createMemoryStore } from './store.ts'

const DOC = 'ward/burst'
const burst = (n: number): EditEvent[] => realisticStream(n).map((s, i) => ({ seq: i + 1, update: s.update, actor: s.actor, role: 'manager', origin: 'ws', receivedAt: 1000 + i }))

const logOf = (events: EditEvent[], states: number[] = []): ResolverLog => ({
  async *read(_doc, fromSeq, toSeq) {
    for (const e of events) if (e.seq >= fromSeq && e.seq <= toSeq) yield e
  },
  async stateAt(_doc, seq) {
    states.push(seq)
    return [Y.mergeUpdates(events.filter((e) => e.seq <= seq).map((e) => e.update))]
  },
})

const gauge = async (registry: Registry, name: string): Promise<number> => (await registry.getSingleMetric(name)!.get()).values[0]!.value

describe('detection off the hot path', () => {
  it('[P3] [A1] observe only queues: updates are examined in later turns of the event loop, in bounded slices, and all are', async () => {
    const events = burst(1500)
    const registry = new Registry()
    const resolver = createResolver({ store: createMemoryStore(), change: async () => {}, metrics: createResolverMetrics(registry), sliceMs: 4 })
    // The event loop keeps turning while the backlog drains: count the turns a setImmediate ticker gets.
    let turns = 0
    let ticking = true
    const tick = (): void => {
      turns++
      if (ticking) setImmediate(tick)
    }
    setImmediate(tick)
    const done = events.map((e) => resolver.observe(DOC, e))
    expect(resolver.backlog().updates).toBe(events.length)
    expect(resolver.processedSeq(DOC)).toBe(0)
    expect(await gauge(registry, 'rota_resolver_backlog_updates')).toBe(events.length)
    await Promise.all(done)
    await resolver.idle()
    ticking = false
    expect(resolver.processedSeq(DOC)).toBe(events.length)
    expect(resolver.backlog()).toEqual({ updates: 0, oldestMs: 0, retained: events.length })
    expect(await gauge(registry, 'rota_resolver_backlog_updates')).toBe(0)
    expect(await gauge(registry, 'rota_resolver_backlog_oldest_seconds')).toBe(0)
    const histogram = (await registry.getSingleMetric('rota_resolver_slice_seconds')!.get()).values
    const count = histogram.find((v) => (v as { metricName?: string }).metricName === 'rota_resolver_slice_seconds_count')!.value
    // Many slices, and the loop turned between them (other work, the relay's included, ran in between).
    expect(count).toBeGreaterThan(5)
    expect(turns).toBeGreaterThanOrEqual(count - 1)
    expect(await gauge(registry, 'rota_resolver_updates_examined_total')).toBe(events.length)
  }, 60_000)

  it('[P4] a document that unloaded is forgotten, and read from the log again when next touched: the same conflicts', async () => {
    const s = scene()
    s.a.edit((d) => assign(d, 's1', 'ana'))
    s.b.edit((d) => assign(d, 's2', 'ana'))
    s.a.connect()
    s.b.connect()
    const events = s.server.events
    const resolver = createResolver({ store: createMemoryStore(), change: async () => {}, log: logOf(events) })
    for (const e of events.slice(0, -1)) await resolver.observe(DOC, e)
    await resolver.idle()
    expect(resolver.held()).toEqual([DOC])
    expect(resolver.forget(DOC)).toBe(true)
    expect(resolver.held()).toEqual([])
    const created = await resolver.observe(DOC, events.at(-1)!)
    expect(created.map((c) => c.kind)).toEqual(['double_booking'])
  })

  it('[P4] a history is read from the log\'s state near the head, then the entries after it: the same conflicts', async () => {
    const s = scene()
    s.a.edit((d) => assign(d, 's1', 'ana'))
    s.b.edit((d) => assign(d, 's2', 'ana'))
    s.a.connect()
    s.b.connect()
    const events = s.server.events
    const states: number[] = []
    const resolver = createResolver({ store: createMemoryStore(), change: async () => {}, log: logOf(events, states), retention: { maxEntries: 1 } })
    const created = await resolver.observe(DOC, events.at(-1)!)
    expect(states).toEqual([events.length - 2])
    expect(created.map((c) => c.kind)).toEqual(['double_booking'])
  })
})
