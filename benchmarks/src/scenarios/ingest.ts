import os from 'node:os'
import * as Y from 'yjs'
import { startClientProcess } from '../clients/pool.ts'
import { waitForIdle } from '../proc/child.ts'
import { wallNow, type Collected, type Command, type ReplicaSpec } from '../clients/protocol.ts'
import type { System } from '../systems/types.ts'
import type { ScheduleSize } from '../workload/types.ts'
import { countMissing, fanOutLatencies } from './fanout.ts'
import { createDocFactory, measure } from './harness.ts'
import { holds, percentile, sameState, sleep, stateOf, waitForQuiet, waitUntil } from './sync.ts'
import type { CaseResult, Measurement, ScenarioContext } from './types.ts'

export interface IngestParams {
  docs: number
  clientsPerDoc: number
  /** Edits per client in the as-fast-as-possible phase. */
  editsPerClient: number
  /** Offered load of the fixed-rate phase, over all clients. */
  offeredPerSecond: number
  offeredSeconds: number
  /** Client processes the replicas are spread over (round-robin, so each document's replicas span them). */
  clientProcesses: number
  schedule: ScheduleSize
}

/** Above this share of a core, a client process (or the harness's proxy) may be what limits the edits/s. */
const CLIENT_BOUND = 0.9
const CONVERGE_TIMEOUT_MS = 300_000
/** Reading every document back after the restart; a server that goes idle before that is done loading. */
const RECOVERY_TIMEOUT_MS = 60_000

const ingestParams = (ctx: ScenarioContext): IngestParams =>
  ctx.mode === 'full'
    ? { docs: 10, clientsPerDoc: 5, editsPerClient: 200, offeredPerSecond: 1000, offeredSeconds: 5, clientProcesses: 2, schedule: { staff: 50, days: 90, shiftsPerDay: 8 } }
    : { docs: 4, clientsPerDoc: 3, editsPerClient: 50, offeredPerSecond: 1000, offeredSeconds: 2, clientProcesses: 2, schedule: { staff: 20, days: 28, shiftsPerDay: 8 } }

/** A document's replicas: which client process holds each, and their client ids. */
interface Group { specs: ReplicaSpec[] }

/** The state every replica of a document must reach: the union of every replica's snapshot (structs and deletions). */
const targetsOf = (groups: Group[], snapshots: Map<number, Uint8Array>): Array<[number, Uint8Array]> =>
  groups.map((group, d) => {
    const parts = group.specs.map((spec) => Y.decodeSnapshotV2(snapshots.get(spec.index)!))
    const sv = new Map<number, number>()
    for (const part of parts) for (const [client, clock] of part.sv) sv.set(client, Math.max(clock, sv.get(client) ?? 0))
    return [d, Y.encodeSnapshotV2(Y.createSnapshot(Y.mergeDeleteSets(parts.map((p) => p.ds)), sv))]
  })

/**
 * [B2.1] D documents × C clients per document. The clients live in a few client processes (replicas of one document
 * spread over them), the server in its own, the byte-counting proxy in the harness. Phase 1: all clients edit as fast
 * as they can; edits/s until every client has seen every edit. Phase 2: a fixed offered load; fan-out latency
 * p50/p99. Then kill -9 the server (once every edit is acknowledged, for clients that get acknowledgements), restart it
 * and count the edits it lost.
 */
export const runIngest = async (ctx: ScenarioContext, systems: System[], params = ingestParams(ctx)): Promise<CaseResult> => {
  const measurements: Measurement[] = []
  for (const system of systems) {
    const step = ctx.progress.step(`B2.1 ${system.id}`)
    measurements.push(await measure(ctx, system, async (running) => {
      const newDoc = createDocFactory(ctx.seed)
      const proxy = await running.proxy()
      const groups: Group[] = Array.from({ length: params.docs }, (_, d) => {
        const ids = Array.from({ length: params.clientsPerDoc }, () => newDoc().clientID)
        return {
          specs: ids.map((clientId, c) => ({ index: d * params.clientsPerDoc + c, doc: d, client: c, clientId, peers: ids.filter((id) => id !== clientId) })),
        }
      })
      const specs = groups.flatMap((g) => g.specs)
      const docOf = new Map(specs.map((spec) => [spec.clientId, spec.doc]))
      const workers = Array.from({ length: params.clientProcesses }, () => startClientProcess())
      const all = <T>(command: Command, timeoutMs?: number) => Promise.all(workers.map((w) => w.request<T>(command, timeoutMs)))
      try {
        await Promise.all(workers.map((w, i) => w.request({
          cmd: 'connect',
          system: system.id,
          url: `ws://127.0.0.1:${proxy.port}`,
          seed: ctx.seed,
          schedule: params.schedule,
          replicas: specs.filter((spec) => spec.index % workers.length === i),
        })))
        await all({ cmd: 'writeSchedules' })
        await all({ cmd: 'awaitSchedules' })
        await waitForQuiet(() => proxy.count().up + proxy.count().down, 200)
        const converge = async (what: string) => {
          const snapshots = new Map((await all<Array<[number, Uint8Array]>>({ cmd: 'snapshots' })).flat())
          const reached = await all<number>({ cmd: 'awaitTargets', targets: targetsOf(groups, snapshots), timeoutMs: CONVERGE_TIMEOUT_MS }, CONVERGE_TIMEOUT_MS + 10_000)
            .catch((error: Error) => {
              throw new Error(`${what}: ${error.message}`)
            })
          return Math.max(...reached)
        }
        const collect = async () => {
          const parts = await all<Collected>({ cmd: 'collect' })
          return {
            sent: parts.flatMap((p) => p.sent),
            arrivals: parts.flatMap((p) => p.arrivals),
            deleteOnly: parts.reduce((sum, p) => sum + p.deleteOnly, 0),
            cpuMs: parts.map((p) => p.cpuMs),
          }
        }
        const latencies = (c: Awaited<ReturnType<typeof collect>>) => {
          const { latencies, missing } = fanOutLatencies(c.sent, c.arrivals, (clientId) => groups[docOf.get(clientId)!]!.specs.filter((s) => s.clientId !== clientId).map((s) => s.index))
          if (missing > 0) throw new Error(`${missing} (edit, receiver) pairs were never recorded`)
          return latencies.sort((a, b) => a - b)
        }
        await collect()

        // Phase 1: as fast as the clients can send, one edit per client per turn of each client process's event loop.
        proxy.reset()
        const before = await running.server.stats()
        const harnessBefore = process.cpuUsage()
        const t0 = wallNow()
        await all({ cmd: 'burst', edits: params.editsPerClient })
        const lastChange = await converge('every client seeing every edit')
        const elapsed = lastChange - t0
        const after = await running.server.stats()
        const harnessCpu = process.cpuUsage(harnessBefore)
        const burst = await collect()
        const burstEdits = params.editsPerClient * specs.length
        const burstLatency = latencies(burst)
        const wireBytes = proxy.count().up + proxy.count().down
        const clientCpuMs = burst.cpuMs.reduce((a, b) => a + b, 0)
        const busiestClientProcess = Math.max(...burst.cpuMs) / elapsed
        const harnessShare = (harnessCpu.user + harnessCpu.system) / 1000 / elapsed
        const serverShare = (after.cpuMs - before.cpuMs) / elapsed

        // Phase 2: fixed offered load, edits spread evenly over time and round-robin over every client.
        await sleep(200)
        await collect()
        const total = params.offeredPerSecond * params.offeredSeconds
        const startAt = wallNow() + 100
        await all({ cmd: 'fixedRate', startAt, intervalMs: 1000 / params.offeredPerSecond, total, replicaCount: specs.length })
        const offeredMs = wallNow() - startAt
        await converge('every client seeing every edit at the fixed load')
        const fixed = await collect()
        const fixedLatency = latencies(fixed)
        const peak = await running.server.stats()

        // Restart check: the server dies without warning, the clients go away, a new server starts on the same data.
        const states = new Map((await all<Array<[number, Uint8Array]>>({ cmd: 'states' })).flat())
        const expected = groups.map((group) => {
          const doc = new Y.Doc()
          for (const spec of group.specs) Y.applyUpdate(doc, states.get(spec.index)!)
          return doc
        })
        const sent = [...burst.sent, ...fixed.sent]
        // A server may relay an edit before it is durable (Rota does, and acknowledges it once fsynced), so killing it
        // right after fan-out can lose the batch in flight: with clients that get durable acknowledgements the kill
        // waits for them, and then nothing may be lost; with the others it comes right after fan-out.
        const acknowledged = (await all<boolean>({ cmd: 'awaitSaved', timeoutMs: RECOVERY_TIMEOUT_MS }, RECOVERY_TIMEOUT_MS + 10_000)).every(Boolean)
        await running.server.kill()
        await Promise.all(workers.map((w) => w.close()))
        await running.restart('kill')
        // Every document read back at once. Some servers report "synced" before they have loaded a document, so each
        // check waits for the expected state; one that never gets there is read once the server has gone idle (it has
        // loaded all it has), bounded.
        const checkers = await Promise.all(groups.map(async (_, d) => {
          const doc = newDoc()
          const client = running.connect(`ingest-${d}`, doc)
          await client.whenSynced()
          return { doc, client, target: stateOf(expected[d]!) }
        }))
        const allRecovered = Promise.all(checkers.map((c) => waitUntil([c.doc], () => holds(c.doc, c.target), RECOVERY_TIMEOUT_MS, 'recovery')))
          .catch(() => undefined)
        await Promise.race([allRecovered, waitForIdle(running.server, 1_500, RECOVERY_TIMEOUT_MS)])
        const checks = checkers.map((c, d) => {
          c.client.destroy()
          return {
            lost: countMissing(sent.filter(([clientId]) => docOf.get(clientId) === d), Y.decodeStateVector(Y.encodeStateVector(c.doc))),
            intact: sameState(c.doc, expected[d]!),
          }
        })
        const lost = checks.reduce((sum, c) => sum + c.lost, 0)
        const recoveredDocs = checks.filter((c) => c.intact).length
        const allEdits = burstEdits + total
        const killedWhen = acknowledged ? 'once every client\'s edits were acknowledged as durable' : 'right after the last edit was seen by every client'
        const notes = [`kill -9 ${killedWhen}: ${lost} of ${allEdits} edits lost, ${recoveredDocs}/${groups.length} documents intact`]
        const coresUsed = serverShare + clientCpuMs / elapsed + harnessShare
        if (coresUsed > CLIENT_BOUND * os.availableParallelism()) {
          notes.push(`machine-bound: while flat out the server, client processes and proxy together used ${coresUsed.toFixed(2)} of `
            + `${os.availableParallelism()} cores (server ${Math.round(serverShare * 100)} % of one); edits/s is what this machine sustains, not the server alone`)
        }
        if (busiestClientProcess > CLIENT_BOUND || harnessShare > CLIENT_BOUND) {
          notes.push(`client-bound: while flat out, the busiest client process used ${Math.round(busiestClientProcess * 100)} % of a core and the harness `
            + `(proxy) ${Math.round(harnessShare * 100)} %, the server ${Math.round(serverShare * 100)} %; edits/s is a lower bound for this server`)
        }
        const deleteOnly = burst.deleteOnly + fixed.deleteOnly
        if (deleteOnly > 0) notes.push(`${deleteOnly} delete-only edits (no new struct) are in the throughput and the restart check, not in the latency samples`)
        return {
          metrics: {
            editsPerSecond: burstEdits / (elapsed / 1000),
            burstP50Ms: percentile(burstLatency, 50),
            burstP99Ms: percentile(burstLatency, 99),
            p50Ms: percentile(fixedLatency, 50),
            p99Ms: percentile(fixedLatency, 99),
            achievedPerSecond: total / (offeredMs / 1000),
            serverCpuMsPer1kEdits: ((after.cpuMs - before.cpuMs) / burstEdits) * 1000,
            serverCoreShare: serverShare,
            clientCpuMsPer1kEdits: (clientCpuMs / burstEdits) * 1000,
            busiestClientProcessShare: busiestClientProcess,
            harnessCoreShare: harnessShare,
            peakRssMB: peak.peakRssBytes / 1e6,
            wireBytesPerEdit: wireBytes / burstEdits,
            lostAfterKill: lost,
            recoveredDocs,
          },
          notes,
        }
      } finally {
        await Promise.all(workers.map((w) => w.close()))
      }
    }))
    step.done()
  }
  return {
    id: 'B2.1',
    scenario: 2,
    title: 'Ingest and fan-out: D documents × C clients in client processes, server in its own process',
    params: { docs: params.docs, clientsPerDoc: params.clientsPerDoc, clientProcesses: params.clientProcesses, editsPerClient: params.editsPerClient, offeredPerSecond: params.offeredPerSecond, offeredSeconds: params.offeredSeconds, ...params.schedule },
    metrics: [
      { key: 'editsPerSecond', label: 'edits/s until all clients saw every edit', unit: 'edits/s', better: 'higher', deterministic: false },
      { key: 'p50Ms', label: 'fan-out p50 at fixed load', unit: 'ms', better: 'lower', deterministic: false },
      { key: 'p99Ms', label: 'fan-out p99 at fixed load', unit: 'ms', better: 'lower', deterministic: false },
      { key: 'burstP50Ms', label: 'fan-out p50 flat out', unit: 'ms', better: 'lower', deterministic: false },
      { key: 'burstP99Ms', label: 'fan-out p99 flat out', unit: 'ms', better: 'lower', deterministic: false },
      { key: 'achievedPerSecond', label: 'offered load achieved', unit: 'edits/s', better: 'higher', deterministic: false },
      { key: 'serverCpuMsPer1kEdits', label: 'server CPU per 1,000 edits', unit: 'ms/1k edits', better: 'lower', deterministic: false },
      { key: 'serverCoreShare', label: 'server CPU while flat out, share of one core', unit: 'ratio', better: 'higher', deterministic: false, diagnostic: true },
      { key: 'clientCpuMsPer1kEdits', label: 'client processes\' CPU per 1,000 edits', unit: 'ms/1k edits', better: 'lower', deterministic: false },
      { key: 'busiestClientProcessShare', label: 'busiest client process while flat out, share of one core', unit: 'ratio', better: 'lower', deterministic: false, diagnostic: true },
      { key: 'harnessCoreShare', label: 'harness (proxy) while flat out, share of one core', unit: 'ratio', better: 'lower', deterministic: false, diagnostic: true },
      { key: 'peakRssMB', label: 'server peak RSS', unit: 'MB', better: 'lower', deterministic: false },
      { key: 'wireBytesPerEdit', label: 'wire bytes per edit, all clients', unit: 'B/edit', better: 'lower', deterministic: false },
      { key: 'lostAfterKill', label: 'edits lost after kill -9', unit: 'count', better: 'lower', deterministic: false },
    ],
    measurements,
  }
}
