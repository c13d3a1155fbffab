/**
 * The claim of replication.ts, in general: whatever the bus does with the messages (delays, reorders,
 * duplicates, loses them, goes down and comes back) and however the edits on the instances interleave,
 * once a heads repair has run every instance's room equals the log's replay, and every edit is stored once.
 *
 * The rooms run without fastify or sockets, on one memory store, over a hub in manual mode: the test
 * decides each delivery. Seeded by fast-check; a failure prints its seed and path (replay with them).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import pino from 'pino'
import * as Y from 'yjs'
import { createMemoryLog, createMemoryStore, type UpdateLog } from '@rota/log'
import { createMemoryBusHub, type MemoryBusHub } from './busMemory.ts'
import { resolveHooks } from './hooks.ts'
import { createMetrics } from './metrics.ts'
import { createReplication, type Replication } from './replication.ts'
import { createRooms, type RoomRegistry } from './rooms.ts'
import { readAll } from './testing.ts'

const DOC = 'acme/w48'
const meta = { actor: 'prop', role: 'admin', origin: 'rest' as const }

type Step =
  | { kind: 'edit'; at: number; where: number; char: string }
  | { kind: 'deliver'; pick: number; duplicate: boolean }
  | { kind: 'lose'; pick: number }
  | { kind: 'outage' }
  | { kind: 'repair'; at: number }

const stepArb = (instances: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('edit' as const), at: fc.nat(instances - 1), where: fc.double({ min: 0, max: 1, noNaN: true }), char: fc.constantFrom('a', 'b', 'c', 'd') }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), duplicate: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('lose' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('outage' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('repair' as const), at: fc.nat(instances - 1) }) },
  )

interface Instance {
  rooms: RoomRegistry
  replication: Replication
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

const startInstances = async (n: number, hub: MemoryBusHub, log: () => UpdateLog): Promise<Instance[]> => {
  const logger = pino({ level: 'silent' })
  const instances: Instance[] = []
  for (let i = 0; i < n; i++) {
    const own = log()
    const metrics = createMetrics({ defaultMetrics: false })
    // Timers out of the way: the test runs the repairs itself; a gap read waits for the test's settle.
    const replication = createReplication(
      { bus: hub.connect(`i${i}`), repairIntervalMs: 3_600_000, heartbeatMs: 3_600_000, peerTimeoutMs: 3_600_000, gapRepairDelayMs: 1 },
      { log: own, metrics, logger },
    )
    const rooms = createRooms({ log: own, hooks: resolveHooks(), metrics, logger, idleMs: 3_600_000, maxDocNameLength: 512, events: replication.events })
    await replication.start(rooms)
    await rooms.getDoc(DOC)
    instances.push({ rooms, replication })
  }
  return instances
}

const run = async (n: number, steps: Step[]): Promise<void> => {
  const hub = createMemoryBusHub({ manual: true })
  const store = createMemoryStore()
  const log = createMemoryLog({ store })
  const instances = await startInstances(n, hub, () => createMemoryLog({ store }))
  let edits = 0
  let down = false
  try {
    for (const step of steps) {
      if (step.kind === 'edit') {
        const ydoc = await instances[step.at]!.rooms.getDoc(DOC)
        const at = Math.floor(step.where * ydoc.getText('t').length)
        await instances[step.at]!.rooms.change(DOC, meta, (d) => d.getText('t').insert(at, step.char))
        edits++
      } else if (step.kind === 'deliver' && hub.queued.length > 0) hub.deliver(step.pick % hub.queued.length, step.duplicate)
      else if (step.kind === 'lose' && hub.queued.length > 0) hub.discard(step.pick % hub.queued.length)
      else if (step.kind === 'outage') {
        if (down) hub.up()
        else hub.down()
        down = !down
      } else if (step.kind === 'repair') await instances[step.at]!.replication.repair()
      await settle()
    }
    hub.up()
    // What is still on its way arrives (in order), then every instance compares heads once.
    while (hub.queued.length > 0) hub.deliver(0)
    await settle()
    for (const instance of instances) await instance.replication.repair()
    await settle()
    const entries = await readAll(log, DOC)
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1))
    expect(entries).toHaveLength(edits)
    const replay = new Y.Doc()
    for (const entry of entries) Y.applyUpdate(replay, entry.update)
    const expected = replay.getText('t').toString()
    for (const instance of instances) expect((await instance.rooms.getDoc(DOC)).getText('t').toString()).toBe(expected)
  } finally {
    for (const instance of instances) {
      await instance.replication.stop()
      await instance.rooms.close(1001, 'test over')
    }
  }
}

describe('replication property', () => {
  it('any interleaving of edits and bus deliveries across instances converges to the log’s replay', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 3 }).chain((n) => fc.tuple(fc.constant(n), fc.array(stepArb(n), { minLength: 1, maxLength: 40 }))),
        async ([n, steps]) => run(n, steps),
      ),
      { numRuns: 60 },
    )
  })
})
