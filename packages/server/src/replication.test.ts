import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, MessageType } from '@rota/protocol'
import { createMemoryLog, createMemoryStore, type UpdateLog } from '@rota/log'
import type { Bus, ReplicationOptions } from './bus.ts'
import { createMemoryBusHub, type MemoryBusHub } from './busMemory.ts'
import { updateMessage } from './messages.ts'
import { cleanupAfterEach, connectClient, connectRaw, readAll, startTestServer, waitFor, whenSynced, type TestClient } from './testing.ts'
import type { Extension, Rooms, RotaServer } from './types.ts'

const { track, cleanup } = cleanupAfterEach()

const DOC = 'acme/w48'

interface Cluster {
  hub: MemoryBusHub
  servers: RotaServer[]
  logs: UpdateLog[]
}

/** `n` servers, each with its own log object on one shared memory store, joined by one in-process bus. */
const cluster = async (
  n: number,
  options: { replication?: Partial<Omit<ReplicationOptions, 'bus'>>; wrap?: (bus: Bus, i: number) => Bus; extensions?: (i: number) => Extension[] } = {},
): Promise<Cluster> => {
  const hub = createMemoryBusHub()
  const store = createMemoryStore()
  const servers: RotaServer[] = []
  const logs: UpdateLog[] = []
  for (let i = 0; i < n; i++) {
    const log = createMemoryLog({ store })
    const raw = hub.connect(`i${i}`)
    const bus = options.wrap?.(raw, i) ?? raw
    logs.push(log)
    cleanup.push(() => bus.close())
    servers.push(track(await startTestServer({ log, replication: { bus, ...options.replication }, extensions: options.extensions?.(i) ?? [] })))
  }
  return { hub, servers, logs }
}

const text = (client: TestClient) => client.doc.getText('t').toString()

/** What the log holds for the document, replayed from seq 1. */
const replay = async (log: UpdateLog, doc = DOC): Promise<string> => {
  const ydoc = new Y.Doc()
  for (const entry of await readAll(log, doc)) Y.applyUpdate(ydoc, entry.update)
  return ydoc.getText('t').toString()
}

const counter = async (server: RotaServer, name: string): Promise<number> => {
  const metric = await server.metrics.registry.getSingleMetric(name)?.get()
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0
}

const clients = async (servers: RotaServer[], doc = DOC): Promise<TestClient[]> => {
  const list = servers.map((server) => track(connectClient(server, doc)))
  await Promise.all(list.map(whenSynced))
  return list
}

const converged = async (list: TestClient[], log: UpdateLog, what = 'convergence'): Promise<void> => {
  await waitFor(async () => {
    const expected = await replay(log)
    return list.every((c) => text(c) === expected)
  }, 30_000, what)
}

describe('instances on one shared log, joined by a bus', () => {
  it('clients of different instances converge, and every edit is stored once', async () => {
    const { servers, logs } = await cluster(3)
    const list = await clients(servers)
    list[0]!.doc.getText('t').insert(0, 'a')
    list[1]!.doc.getText('t').insert(0, 'b')
    list[2]!.doc.getText('t').insert(0, 'c')
    await waitFor(() => list.every((c) => text(c).length === 3), 30_000, 'three letters everywhere')
    await converged(list, logs[0]!)
    expect(await readAll(logs[0]!, DOC)).toHaveLength(3)
    expect(await counter(servers[0]!, 'rota_bus_published_total')).toBeGreaterThan(0)
    expect(await counter(servers[1]!, 'rota_bus_received_total')).toBeGreaterThan(0)
  })

  it('drops an update delivered twice (by seq)', async () => {
    const twice = (bus: Bus): Bus => ({
      ...bus,
      instanceId: bus.instanceId,
      publish: async (message) => (await bus.publish(message)) && bus.publish(message),
    })
    const { servers, logs } = await cluster(2, { wrap: twice })
    const list = await clients(servers)
    list[0]!.doc.getText('t').insert(0, 'once')
    await converged(list, logs[0]!)
    await waitFor(async () => (await counter(servers[1]!, 'rota_bus_duplicates_total')) >= 1, 30_000, 'a duplicate counted')
    expect(text(list[1]!)).toBe('once')
  })

  it('reads a missed seq from the log when a later one arrives (gap repair)', async () => {
    const { hub, servers, logs } = await cluster(2, { replication: { repairIntervalMs: 600_000 } })
    const list = await clients(servers)
    hub.dropNext(({ message, to }) => message.kind === 'update' && message.seq === 1 && to === 'i1')
    list[0]!.doc.getText('t').insert(0, 'lost ')
    await waitFor(async () => (await readAll(logs[0]!, DOC)).length === 1, 30_000, 'the first entry')
    list[0]!.doc.getText('t').insert(5, 'found')
    await converged(list, logs[0]!)
    expect(text(list[1]!)).toBe('lost found')
    expect(await counter(servers[1]!, 'rota_bus_gap_repairs_total')).toBeGreaterThanOrEqual(1)
  })

  it('catches up a lost last message by comparing heads (heads repair)', async () => {
    const { hub, servers, logs } = await cluster(2, { replication: { repairIntervalMs: 50 } })
    const list = await clients(servers)
    hub.dropNext(({ message }) => message.kind === 'update')
    list[0]!.doc.getText('t').insert(0, 'only edit')
    await converged(list, logs[0]!)
    expect(await counter(servers[1]!, 'rota_bus_heads_repairs_total')).toBeGreaterThanOrEqual(1)
  })

  it('delivers what an instance stored but never published (it crashed in between)', async () => {
    const mute = (bus: Bus, i: number): Bus =>
      i === 0 ? { ...bus, instanceId: bus.instanceId, publish: async (m) => (m.kind === 'update' ? false : bus.publish(m)) } : bus
    const { servers, logs } = await cluster(2, { wrap: mute, replication: { repairIntervalMs: 50 } })
    const list = await clients(servers)
    list[0]!.doc.getText('t').insert(0, 'stored, never published')
    await converged(list, logs[0]!)
    expect(await counter(servers[0]!, 'rota_bus_publish_failures_total')).toBeGreaterThanOrEqual(1)
  })

  it('converges after the bus was down while both sides edited', async () => {
    const { hub, servers, logs } = await cluster(2, { replication: { repairIntervalMs: 200 } })
    const list = await clients(servers)
    list[0]!.doc.getText('t').insert(0, 'x')
    await converged(list, logs[0]!)
    hub.down()
    list[0]!.doc.getText('t').insert(0, 'left ')
    list[1]!.doc.getText('t').insert(0, 'right ')
    await waitFor(async () => (await readAll(logs[0]!, DOC)).length === 3, 30_000, 'both edits stored')
    hub.up()
    await converged(list, logs[0]!)
    expect(await counter(servers[0]!, 'rota_bus_connected')).toBe(1)
  })

  it('closes with 1013 a live update that builds on what this instance has not caught up with, applying nothing; resent, it lands', async () => {
    const { hub, servers, logs } = await cluster(2, { replication: { repairIntervalMs: 600_000 } })
    const [watcher] = await clients([servers[1]!])
    // An editor's first edit reaches the first instance while the bus is down: the second's room lacks it.
    hub.down()
    const writer = new Y.Doc()
    const updates: Uint8Array[] = []
    writer.on('update', (update: Uint8Array) => updates.push(update))
    writer.getText('t').insert(0, 'first ')
    writer.getText('t').insert(6, 'second')
    const [first, second] = updates as [Uint8Array, Uint8Array]
    await servers[0]!.rooms.applyUpdate(DOC, first, { actor: 'writer', role: 'admin', origin: 'rest' })
    // Its next edit, live on the second instance: "not yet", not a refusal.
    const raw = await connectRaw(servers[1]!, DOC)
    raw.send(updateMessage(second))
    expect((await raw.closed).code).toBe(CloseCode.TryAgainLater)
    expect(await readAll(logs[0]!, DOC)).toHaveLength(1)
    // Back up, the second instance catches up from the log; the client's resent edit is taken.
    hub.up()
    await waitFor(() => text(watcher!) === 'first ', 30_000, 'the second instance caught up')
    const again = await connectRaw(servers[1]!, DOC)
    again.send(updateMessage(second))
    await waitFor(async () => (await readAll(logs[0]!, DOC)).length === 2, 30_000, 'the resent edit stored')
    await converged([watcher!], logs[0]!)
    expect(text(watcher!)).toBe('first second')
  })

  it('a room loaded on another instance later follows the log from its loaded head', async () => {
    const { servers, logs } = await cluster(2)
    const [first] = await clients([servers[0]!])
    first!.doc.getText('t').insert(0, 'before ')
    await waitFor(async () => (await readAll(logs[0]!, DOC)).length === 1, 30_000, 'stored')
    const [late] = await clients([servers[1]!])
    expect(text(late!)).toBe('before ')
    first!.doc.getText('t').insert(7, 'after')
    await converged([first!, late!], logs[0]!)
  })

  it('relays awareness across instances, and its removal when the client leaves', async () => {
    const { servers } = await cluster(2)
    const [a, b] = await clients(servers)
    a!.provider.awareness.setLocalState({ name: 'Ana' })
    const seen = () => b!.provider.awareness.getStates().get(a!.doc.clientID) as { name?: string } | undefined
    await waitFor(() => seen()?.name === 'Ana', 30_000, 'Ana on the other instance')
    a!.destroy()
    await waitFor(() => seen() === undefined, 30_000, 'Ana gone after she left')
    expect(await counter(servers[1]!, 'rota_bus_received_total')).toBeGreaterThan(0)
  })

  it('removes a dead instance’s cursors within 10 s (heartbeats stop, no leave)', async () => {
    let deadBus: Bus | undefined
    const { servers } = await cluster(2, { wrap: (bus, i) => (i === 0 ? (deadBus = bus) : bus) })
    const [a, b] = await clients(servers)
    a!.provider.awareness.setLocalState({ name: 'Ana' })
    const seen = () => b!.provider.awareness.getStates().has(a!.doc.clientID)
    await waitFor(seen, 30_000, 'Ana on the other instance')
    // The instance vanishes from the bus without a word, as when its process is killed.
    await deadBus!.close()
    const start = Date.now()
    await waitFor(() => !seen(), 10_000, 'the dead instance’s cursor gone within 10 s')
    expect(Date.now() - start).toBeLessThan(10_000)
  })

  it('relays an extension’s notice (RotaConflicts) to the document’s Rota clients on other instances', async () => {
    let roomsOfA: Rooms | undefined
    const grab: Extension = async (_app, { rooms }) => {
      roomsOfA = rooms
    }
    const { servers } = await cluster(2, { extensions: (i) => (i === 0 ? [grab] : []) })
    await clients([servers[0]!])
    const raw = await connectRaw(servers[1]!, `${encodeURIComponent(DOC)}?ack=1`)
    cleanup.push(() => raw.ws.close())
    await raw.next((m) => m[0] === MessageType.Sync)
    const notice = Uint8Array.from([MessageType.RotaConflicts, 2, 123, 125])
    roomsOfA!.broadcast(DOC, notice)
    const got = await raw.next((m) => m[0] === MessageType.RotaConflicts)
    expect([...got]).toEqual([...notice])
  })
})
