/**
 * Three Rota servers in this process, on one shared log (two-or-more memory log objects on one store, as
 * instances on one PostgreSQL), joined by a real redis-server of the test's own; stock y-websocket clients
 * on different instances edit one document. Redis is stopped and started mid-way, and a publish is
 * suppressed, and the clients still converge to the log's replay.
 */
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { createMemoryLog, createMemoryStore, type UpdateLog } from '@rota/log'
import { startServer, type Bus, type RotaServer } from '@rota/server'
import { createRedisBus } from './redis-bus.ts'
import { announceSkip, startOwnRedis, testRedisUrl, type OwnRedis } from './test-redis.ts'

announceSkip('cluster.test.ts')

const DOC = 'acme/w48'
const cleanup: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const waitFor = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

interface Client {
  doc: Y.Doc
  provider: WebsocketProvider
}

const connect = (server: RotaServer): Client => {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(server.wsUrl, DOC, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200,
  })
  cleanup.push(() => {
    provider.destroy()
    doc.destroy()
  })
  return { doc, provider }
}

/** A bus whose next update publish is lost (as when the message never reaches Redis). */
const losingOnce = (bus: Bus): Bus & { loseNext(): void } => {
  let lose = false
  return {
    instanceId: bus.instanceId,
    start: (handlers) => bus.start(handlers),
    publish: async (message) => {
      if (lose && message.kind === 'update') {
        lose = false
        return true
      }
      return bus.publish(message)
    },
    subscribe: (doc) => bus.subscribe(doc),
    unsubscribe: (doc) => bus.unsubscribe(doc),
    close: () => bus.close(),
    loseNext: () => {
      lose = true
    },
  }
}

const startCluster = async (redis: OwnRedis, n: number) => {
  const store = createMemoryStore()
  const servers: RotaServer[] = []
  const buses: Array<ReturnType<typeof losingOnce>> = []
  for (let i = 0; i < n; i++) {
    const bus = losingOnce(createRedisBus({ url: redis.url, instanceId: `i${i}`, maxReconnectDelayMs: 100 }))
    const server = await startServer({ log: createMemoryLog({ store }), logger: false, replication: { bus, repairIntervalMs: 200 } })
    cleanup.push(() => bus.close())
    cleanup.push(() => server.close())
    servers.push(server)
    buses.push(bus)
  }
  return { servers, buses, log: createMemoryLog({ store }) }
}

const replay = async (log: UpdateLog): Promise<string> => {
  const doc = new Y.Doc()
  for await (const entry of log.read(DOC)) Y.applyUpdate(doc, entry.update)
  return doc.getText('t').toString()
}

const converged = (clients: Client[], log: UpdateLog, what: string) =>
  waitFor(async () => {
    const expected = await replay(log)
    return clients.every((c) => c.doc.getText('t').toString() === expected)
  }, what)

const counter = async (server: RotaServer, name: string): Promise<number> =>
  ((await server.metrics.registry.getSingleMetric(name)?.get())?.values ?? []).reduce((sum, v) => sum + v.value, 0)

describe.skipIf(testRedisUrl === undefined || testRedisUrl === '')('three instances joined by Redis', () => {
  it('converge, through a Redis restart and a lost message, to the log’s replay', async () => {
    const redis = await startOwnRedis()
    cleanup.push(() => redis.destroy())
    const { servers, buses, log } = await startCluster(redis, 3)
    const clients = servers.map(connect)
    await waitFor(() => clients.every((c) => c.provider.synced), 'sync')
    await waitFor(async () => (await Promise.all(servers.map((s) => counter(s, 'rota_bus_connected')))).every((v) => v === 1), 'bus up')

    // 1. Plain relay across instances.
    clients.forEach((c, i) => c.doc.getText('t').insert(0, `c${i} `))
    await converged(clients, log, 'convergence over Redis')
    expect(await counter(servers[1]!, 'rota_bus_received_total')).toBeGreaterThan(0)

    // 2. Redis goes away; everyone keeps editing (the servers keep working); Redis comes back.
    await redis.down()
    await waitFor(async () => (await Promise.all(servers.map((s) => counter(s, 'rota_bus_connected')))).every((v) => v === 0), 'bus down')
    clients.forEach((c, i) => c.doc.getText('t').insert(0, `down${i} `))
    await waitFor(async () => (await replay(log)).includes('down0') && (await replay(log)).includes('down2'), 'edits stored while Redis is down')
    await redis.up()
    await converged(clients, log, 'convergence after the Redis restart')
    expect(await counter(servers[0]!, 'rota_bus_heads_repairs_total')).toBeGreaterThan(0)

    // 3. One update never reaches Redis (a crash between commit and publish looks the same to the others).
    buses[0]!.loseNext()
    clients[0]!.doc.getText('t').insert(0, 'lost ')
    await converged(clients, log, 'convergence after a lost message')
    expect(clients[2]!.doc.getText('t').toString()).toContain('lost ')
    const entries: number[] = []
    for await (const entry of log.read(DOC)) entries.push(entry.seq)
    expect(entries).toEqual(entries.map((_, i) => i + 1))
  }, 120_000)

  it('relays awareness across instances over Redis, and drops a dead instance’s cursors within 10 s', async () => {
    const redis = await startOwnRedis()
    cleanup.push(() => redis.destroy())
    const { servers, buses } = await startCluster(redis, 2)
    const [a, b] = servers.map(connect)
    await waitFor(() => a!.provider.synced && b!.provider.synced, 'sync')
    a!.provider.awareness.setLocalState({ name: 'Ana' })
    const seen = () => b!.provider.awareness.getStates().has(a!.doc.clientID)
    await waitFor(seen, 'Ana on the other instance')
    // Instance 0 disappears from Redis without a word (its heartbeats stop), as when its process is killed.
    await buses[0]!.close()
    const start = Date.now()
    await waitFor(() => !seen(), 'the dead instance’s cursor gone', 10_000)
    expect(Date.now() - start).toBeLessThan(10_000)
  }, 60_000)
})
