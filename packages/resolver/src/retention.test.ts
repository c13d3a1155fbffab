import { describe, expect, it } from 'vitest'
import { assign, updateShift } from '@rota/model'
import { seedWard } from './fixtures.ts'
import { DocHistory, type EditEvent } from './history.ts'
import { createResolver } from './resolver.ts'
import type { ResolverLog } from './pipeline.ts'
import { createMemoryStore } from './store.ts'
import { SimServer } from './testing.ts'

/**
 * Alice syncs and goes offline; Bob keeps editing live for a long while (notes, then one assignment that
 * double-books Ana with Alice's offline one); Alice comes back. Her sync reply carries the server's cut
 * (`knownSeqs`): everything up to the seq she had synced.
 */
const longOffline = (liveEdits: number): EditEvent[] => {
  const server = new SimServer()
  const admin = server.client('admin', 'admin')
  admin.connect()
  admin.edit(seedWard)
  const alice = server.client('alice', 'manager')
  const bob = server.client('bob', 'manager')
  alice.connect()
  alice.disconnect()
  const synced = server.events.at(-1)!.seq
  bob.connect()
  for (let i = 0; i < liveEdits; i++) bob.edit((d) => updateShift(d, 's5', { notes: `note ${i}` }))
  bob.edit((d) => assign(d, 's2', 'ana'))
  for (let i = 0; i < 20; i++) bob.edit((d) => updateShift(d, 's6', { notes: `later ${i}` }))
  alice.edit((d) => assign(d, 's1', 'ana'))
  alice.connect()
  return server.events.map(({ knownStateVector, ...e }) => (knownStateVector ? { ...e, knownSeqs: { upTo: synced, also: [] } } : e))
}

const keysOf = (found: Array<{ key: string; editors: Array<{ editorId: string; seqs: number[] }> }>): string[] =>
  found.map((d) => `${d.key} ${d.editors.map((e) => `${e.editorId}:${e.seqs.join('+')}`).join(' ')}`)

const logOf = (events: EditEvent[], reads: Array<[number, number]> = []): ResolverLog => ({
  async *read(_doc, fromSeq, toSeq) {
    reads.push([fromSeq, toSeq])
    for (const e of events) if (e.seq >= fromSeq && e.seq <= toSeq) yield e
  },
})

describe('retention: history kept only as far back as a view can reach, the rest read from the log', () => {
  it('[P4] [V1] an old view reaching past what is kept is read back from the log: the same conflicts as keeping everything', () => {
    const events = longOffline(300)
    const full = new DocHistory('t/d')
    const expected = events.flatMap((e) => full.ingest(e, true))
    expect(expected.map((d) => d.kind)).toEqual(['double_booking'])

    const small = new DocHistory('t/d', { maxEntries: 50, minEntries: 8, recentMs: 0 })
    const found = []
    let restored = 0
    for (const e of events) {
      const from = small.needsRestore(e)
      if (from !== null) {
        restored++
        expect(small.retained.horizon).toBeGreaterThan(from)
        small.restore(from, events.filter((x) => x.seq > from && x.seq <= small.retained.horizon))
      }
      found.push(...small.ingest(e, true))
    }
    expect(restored).toBe(1)
    expect(keysOf(found)).toEqual(keysOf(expected))
    expect(found[0]!.editors.map((e) => e.view.shifts.s1?.assignee)).toEqual(expected[0]!.editors.map((e) => e.view.shifts.s1?.assignee))
  })

  it('[P4] a long live history is evicted down to the bound; a session seen recently keeps its view', () => {
    const events = longOffline(600).filter((e) => e.actor !== 'alice')
    const h = new DocHistory('t/d', { maxEntries: 100, minEntries: 8, recentMs: 0 })
    for (const e of events) h.ingest(e, true)
    expect(h.retained.entries).toBeLessThanOrEqual(100 + 64)
    expect(h.retained.horizon).toBeGreaterThan(400)

    // Everyone seen within recentMs can still claim the view before their last entry: the admin's seed.
    const recent = new DocHistory('t/d', { maxEntries: 10_000, minEntries: 8, recentMs: 3_600_000 })
    for (const e of events) recent.ingest(e, true)
    expect(recent.retained.horizon).toBe(0)
  })

  it('[P4] [A1] through the resolver: the read-back happens off the hot path and the conflict appears', async () => {
    const events = longOffline(300)
    const reads: Array<[number, number]> = []
    const resolver = createResolver({
      store: createMemoryStore(), change: async () => {}, log: logOf(events, reads),
      retention: { maxEntries: 50, minEntries: 8, recentMs: 0 },
    })
    const created = (await Promise.all(events.map((e) => resolver.observe('t/d', e)))).flat()
    await resolver.idle()
    expect(created.map((c) => c.kind)).toEqual(['double_booking'])
    expect(reads.length).toBe(1)
    expect(reads[0]![0]).toBe(events.find((e) => e.knownSeqs)!.knownSeqs!.upTo + 1)
    expect(resolver.backlog()).toMatchObject({ updates: 0, oldestMs: 0 })
  })
})
