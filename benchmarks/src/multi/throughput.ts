// [M1] Throughput, CPU and fan-out latency of N `rota serve` instances on one PostgreSQL log and one Redis bus.
//
// D documents × 3 stock y-websocket clients, in three client processes: client c of every document lives in process c
// and connects to instance c mod N. With 3 instances every sender and receiver of a document sit on different
// instances, so every latency sample is cross-instance (sender on A, receiver on B: A commits, publishes on Redis, B
// applies and relays); with 1 instance the same clients all meet on it. Phase 1 sends as fast as the clients can
// (edits/s until every client holds every edit, server CPU per 1,000 edits); phase 2 offers a fixed load and records
// the fan-out latency of each (edit, receiver) pair.
import * as Y from 'yjs'
import { startCluster, type Cluster } from '@rota/cli/multi-instance'
import { startClientProcess } from '../clients/pool.ts'
import { wallNow, type Collected, type Command, type ReplicaSpec } from '../clients/protocol.ts'
import { readProcessStats } from '../proc/stats.ts'
import { fanOutLatencies } from '../scenarios/fanout.ts'
import { createDocFactory } from '../scenarios/harness.ts'
import { percentile, sleep } from '../scenarios/sync.ts'
import type { ScheduleSize } from '../workload/types.ts'
import { readStoreCpu, storeCpuSince } from './stores.ts'

export interface ThroughputParams {
  docs: number
  editsPerClient: number
  offeredPerSecond: number
  offeredSeconds: number
  schedule: ScheduleSize
}

export interface ThroughputFigures {
  instances: number
  editsPerSecond: number
  /** Sum over the Rota instances. */
  serverCpuMsPer1kEdits: number
  /** PostgreSQL and Redis together. */
  storeCpuMsPer1kEdits: number
  p50Ms: number
  p99Ms: number
  achievedPerSecond: number
  /** Share of one core the instances used together while flat out. */
  serverCoreShare: number
  clientCpuMsPer1kEdits: number
}

export interface Environment {
  postgresUrl: string
  postgresDir?: string
  redisUrl: string
  redisDir: string
  /** A fresh schema name per cluster. */
  schema(): string
}

/** What the benchmark's instances run with: `rota serve`'s defaults (resolver on), open mode on loopback, and no
 * per-address limits (every simulated user comes from 127.0.0.1), as benchmarks/src/servers/rota.server.mjs. */
export const BENCH_SERVE_ARGS = ['--max-connections-per-address', '100000', '--messages-per-second', '1000000', '--message-burst', '1000000']

const CLIENTS_PER_DOC = 3
const CONVERGE_TIMEOUT_MS = 300_000

/** The state every replica of a document must reach: the union of the replicas' snapshots. */
const targetsOf = (docs: number, snapshots: Map<number, Uint8Array>): Array<[number, Uint8Array]> =>
  Array.from({ length: docs }, (_, d) => {
    const parts = Array.from({ length: CLIENTS_PER_DOC }, (_, c) => Y.decodeSnapshotV2(snapshots.get(d * CLIENTS_PER_DOC + c)!))
    const sv = new Map<number, number>()
    for (const part of parts) for (const [client, clock] of part.sv) sv.set(client, Math.max(clock, sv.get(client) ?? 0))
    return [d, Y.encodeSnapshotV2(Y.createSnapshot(Y.mergeDeleteSets(parts.map((p) => p.ds)), sv))]
  })

const serverCpuMs = async (cluster: Cluster): Promise<number> =>
  (await Promise.all(cluster.instances.map((i) => readProcessStats(i.pid)))).reduce((sum, s) => sum + s.cpuMs, 0)

export const runThroughput = async (env: Environment, instances: number, params: ThroughputParams, seed: number): Promise<ThroughputFigures> => {
  const cluster = await startCluster({
    instances, postgresUrl: env.postgresUrl, schema: env.schema(), redisUrl: env.redisUrl, compiled: true, args: BENCH_SERVE_ARGS,
  })
  const workers = Array.from({ length: CLIENTS_PER_DOC }, () => startClientProcess())
  try {
    const newDoc = createDocFactory(seed)
    const specs: ReplicaSpec[] = []
    for (let d = 0; d < params.docs; d++) {
      const ids = Array.from({ length: CLIENTS_PER_DOC }, () => newDoc().clientID)
      ids.forEach((clientId, c) => specs.push({ index: d * CLIENTS_PER_DOC + c, doc: d, client: c, clientId, peers: ids.filter((id) => id !== clientId) }))
    }
    const all = <T>(command: Command, timeoutMs?: number) => Promise.all(workers.map((w) => w.request<T>(command, timeoutMs)))
    await Promise.all(workers.map((w, c) => w.request({
      cmd: 'connect', system: 'rota', url: `ws://127.0.0.1:${cluster.instances[c % instances]!.port}`, seed, schedule: params.schedule,
      replicas: specs.filter((spec) => spec.client === c),
    })))
    await all({ cmd: 'writeSchedules' })
    await all({ cmd: 'awaitSchedules' })
    // Let the resolver and the bus settle after the schedules' arrival before measuring.
    await sleep(2_000)
    const converge = async () => {
      const snapshots = new Map((await all<Array<[number, Uint8Array]>>({ cmd: 'snapshots' })).flat())
      const reached = await all<number>({ cmd: 'awaitTargets', targets: targetsOf(params.docs, snapshots), timeoutMs: CONVERGE_TIMEOUT_MS }, CONVERGE_TIMEOUT_MS + 10_000)
      return Math.max(...reached)
    }
    const collect = async () => {
      const parts = await all<Collected>({ cmd: 'collect' })
      return { sent: parts.flatMap((p) => p.sent), arrivals: parts.flatMap((p) => p.arrivals), cpuMs: parts.reduce((a, p) => a + p.cpuMs, 0) }
    }
    const docOf = new Map(specs.map((s) => [s.clientId, s.doc]))
    const receivers = (clientId: number) => specs.filter((s) => s.doc === docOf.get(clientId) && s.clientId !== clientId).map((s) => s.index)
    await collect()

    // Phase 1: flat out.
    const storeDirs = { postgres: env.postgresDir, redis: env.redisDir }
    const before = { server: await serverCpuMs(cluster), stores: await readStoreCpu(storeDirs) }
    const t0 = wallNow()
    await all({ cmd: 'burst', edits: params.editsPerClient })
    const elapsed = (await converge()) - t0
    const after = { server: await serverCpuMs(cluster), stores: await readStoreCpu(storeDirs) }
    const burst = await collect()
    const edits = params.editsPerClient * specs.length

    // Phase 2: a fixed offered load, edits spread evenly over time and round-robin over every client.
    await sleep(1_000)
    await collect()
    const total = params.offeredPerSecond * params.offeredSeconds
    const startAt = wallNow() + 100
    await all({ cmd: 'fixedRate', startAt, intervalMs: 1000 / params.offeredPerSecond, total, replicaCount: specs.length })
    const offeredMs = wallNow() - startAt
    await converge()
    const fixed = await collect()
    const { latencies, missing } = fanOutLatencies(fixed.sent, fixed.arrivals, receivers)
    if (missing > 0) throw new Error(`${missing} (edit, receiver) pairs never arrived`)
    latencies.sort((a, b) => a - b)
    return {
      instances,
      editsPerSecond: edits / (elapsed / 1000),
      serverCpuMsPer1kEdits: ((after.server - before.server) / edits) * 1000,
      storeCpuMsPer1kEdits: (storeCpuSince(before.stores, after.stores) / edits) * 1000,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      achievedPerSecond: total / (offeredMs / 1000),
      serverCoreShare: (after.server - before.server) / elapsed,
      clientCpuMsPer1kEdits: (burst.cpuMs / edits) * 1000,
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()))
    await cluster.close()
  }
}
