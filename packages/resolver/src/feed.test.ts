import { describe, expect, it } from 'vitest'
import { createLogFeed, type FeedLog } from './feed.ts'
import type { EditEvent } from './history.ts'
import { createMemoryLeases } from './lease.ts'
import { runSharedResolverTests } from './sharedCompliance.ts'
import { createMemoryStore } from './store.ts'

// The reference: one in-memory store object and one lease table serve both "instances".
runSharedResolverTests('memory', async () => {
  const store = createMemoryStore()
  let leases: ReturnType<typeof createMemoryLeases> | undefined
  let clock: () => number = () => 0
  return {
    openStore: async () => store,
    lease: (holder, now, ttlMs) => {
      clock = now
      leases ??= createMemoryLeases(() => clock())
      return leases.lease(holder, ttlMs)
    },
    cleanup: async () => undefined,
  }
})

describe('the log feed', () => {
  const entries: EditEvent[] = []
  const log: FeedLog = {
    async *read(_doc, from, to) {
      for (const e of [...entries]) if (e.seq >= from && e.seq <= to) yield e
    },
    head: async () => entries.at(-1)?.seq ?? 0,
  }
  const add = (): number => {
    const seq = entries.length + 1
    entries.push({ seq, update: new Uint8Array([0, 0]), actor: 'a', role: 'manager', origin: 'ws', receivedAt: seq })
    return seq
  }

  it('reports documents waiting on another holder and for how long, until its progress covers them', async () => {
    entries.length = 0
    let now = 1000
    const leases = createMemoryLeases(() => now)
    const seen: number[] = []
    const resolver = { observe: async (_doc: string, e: EditEvent) => void seen.push(e.seq), forget: () => true }
    const holder = createLogFeed({ resolver, log, lease: leases.lease('i1'), isOpen: () => true, now: () => now })
    const other = createLogFeed({ resolver: { observe: async () => undefined, forget: () => true }, log, lease: leases.lease('i2'), now: () => now })
    holder.poke('d', add())
    await holder.idle()
    other.poke('d', add())
    await other.idle()
    now += 3000
    expect(other.waiting()).toEqual({ docs: 1, oldestMs: 3000 })
    await holder.tick()
    await other.tick()
    expect(other.waiting()).toEqual({ docs: 0, oldestMs: 0 })
    expect(seen).toEqual([1, 2])
    // Reads in batches: a backlog longer than one batch is fed over several steps, in order.
    const batched = createLogFeed({ resolver, log, lease: leases.lease('i3'), batch: 2, isOpen: () => true })
    await holder.stop()
    seen.length = 0
    for (let i = 0; i < 5; i++) batched.poke('d', add())
    for (let i = 0; i < 5; i++) await batched.tick()
    await batched.idle()
    expect(seen).toEqual([3, 4, 5, 6, 7])
    await batched.stop()
    await other.stop()
  })
})
