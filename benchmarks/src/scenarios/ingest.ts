import { setImmediate as yieldToLoop } from 'node:timers/promises'
import * as Y from 'yjs'
import type { SyncClient } from '../systems/clients.ts'
import type { System } from '../systems/types.ts'
import { applyEdit, createEditGenerator, type EditGenerator } from '../workload/edits.ts'
import { generateSchedule, writeSchedule } from '../workload/schedule.ts'
import type { ScheduleSize } from '../workload/types.ts'
import { countMissing, createFanOutTracker } from './fanout.ts'
import { createDocFactory, measure } from './harness.ts'
import { covers, percentile, sameState, sleep, waitForQuiet, waitForState, waitForTargets, waitUntil } from './sync.ts'
import type { CaseResult, Measurement, ScenarioContext } from './types.ts'

export interface IngestParams {
  docs: number
  clientsPerDoc: number
  /** Edits per client in the as-fast-as-possible phase. */
  editsPerClient: number
  /** Offered load of the fixed-rate phase, over all clients. */
  offeredPerSecond: number
  offeredSeconds: number
  schedule: ScheduleSize
}

export const ingestParams = (ctx: ScenarioContext): IngestParams =>
  ctx.mode === 'full'
    ? { docs: 10, clientsPerDoc: 5, editsPerClient: 200, offeredPerSecond: 1000, offeredSeconds: 5, schedule: { staff: 50, days: 90, shiftsPerDay: 8 } }
    : { docs: 4, clientsPerDoc: 3, editsPerClient: 50, offeredPerSecond: 1000, offeredSeconds: 2, schedule: { staff: 20, days: 28, shiftsPerDay: 8 } }

interface Replica { doc: Y.Doc; client: SyncClient; edits: EditGenerator }

/** The state vector every replica of a document must reach: each replica's own clock. */
const targetOf = (group: Replica[]): Map<number, number> => {
  const target = new Map<number, number>()
  for (const { doc } of group) for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
    target.set(client, Math.max(clock, target.get(client) ?? 0))
  }
  return target
}

/** Every replica reaching its document's target. */
const converge = (groups: Replica[][], what: string) =>
  waitForTargets(groups.flatMap((group) => {
    const target = targetOf(group)
    return group.map(({ doc }) => ({ doc, target }))
  }), 300_000, what)

/**
 * [B2.1] D documents × C clients per document, every client in this process and the server in its own. Phase 1: all
 * clients edit as fast as they can; edits/s until every client has seen every edit. Phase 2: a fixed offered load;
 * fan-out latency p50/p99. Then kill -9 the server, restart it and count the edits it lost.
 */
export const runIngest = async (ctx: ScenarioContext, systems: System[]): Promise<CaseResult> => {
  const params = ingestParams(ctx)
  const measurements: Measurement[] = []
  for (const system of systems) {
    const step = ctx.progress.step(`B2.1 ${system.id}`)
    measurements.push(await measure(ctx, system, async (running) => {
      const newDoc = createDocFactory(ctx.seed)
      const proxy = await running.proxy()
      const tracker = createFanOutTracker()
      const groups: Replica[][] = []
      for (let d = 0; d < params.docs; d++) {
        const schedule = generateSchedule(ctx.seed + d, params.schedule)
        const group: Replica[] = []
        for (let c = 0; c < params.clientsPerDoc; c++) {
          const doc = newDoc()
          group.push({
            doc,
            client: running.connect(`ingest-${d}`, doc, proxy),
            edits: createEditGenerator(schedule, { seed: ctx.seed * 1000 + d * 100 + c, tag: `c${c}`, days: params.schedule.days }),
          })
        }
        await Promise.all(group.map((r) => r.client.whenSynced()))
        writeSchedule(group[0]!.doc, schedule)
        for (const r of group.slice(1)) await waitForState(r.doc, group[0]!.doc, 60_000, `document ${d} reaching client`)
        for (const r of group) tracker.watch(r.doc, group.filter((s) => s !== r).map((s) => s.doc))
        groups.push(group)
      }
      const replicas = groups.flat()
      const send = (r: Replica) => {
        applyEdit(r.doc, r.edits.next())
        tracker.stamp(r.doc)
      }
      await waitForQuiet(() => proxy.count().up + proxy.count().down, 200)

      // Phase 1: as fast as the clients can send, one edit per client per turn of the event loop.
      proxy.reset()
      const before = await running.server.stats()
      const harnessBefore = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < params.editsPerClient; i++) {
        for (const r of replicas) send(r)
        await yieldToLoop()
      }
      await converge(groups, 'every client seeing every edit')
      const elapsed = performance.now() - t0
      const after = await running.server.stats()
      const harnessCpu = process.cpuUsage(harnessBefore)
      const burstEdits = params.editsPerClient * replicas.length
      const burstLatency = tracker.take().sort((a, b) => a - b)
      const wireBytes = proxy.count().up + proxy.count().down

      // Phase 2: fixed offered load, edits spread evenly over time and round-robin over clients.
      await sleep(200)
      tracker.take()
      const total = params.offeredPerSecond * params.offeredSeconds
      const interval = 1000 / params.offeredPerSecond
      const t1 = performance.now()
      for (let k = 0; k < total;) {
        const due = Math.min(total, Math.floor((performance.now() - t1) / interval) + 1)
        while (k < due) send(replicas[k++ % replicas.length]!)
        await sleep(1)
      }
      const offeredMs = performance.now() - t1
      await converge(groups, 'every client seeing every edit at the fixed load')
      const fixedLatency = tracker.take().sort((a, b) => a - b)
      const peak = await running.server.stats()

      // Restart check: the server dies without warning, the clients go away, a new server starts on the same data.
      const expected = groups.map((group) => {
        const doc = new Y.Doc()
        for (const r of group) Y.applyUpdate(doc, Y.encodeStateAsUpdate(r.doc))
        return doc
      })
      await running.server.kill()
      for (const r of replicas) r.client.destroy()
      await running.restart('kill')
      let lost = 0
      let recoveredDocs = 0
      for (let d = 0; d < groups.length; d++) {
        const checker = newDoc()
        const client = running.connect(`ingest-${d}`, checker)
        await client.whenSynced()
        // Some servers report "synced" before they have loaded the document: wait for the state or for silence.
        await waitUntil([checker], () => covers(Y.decodeStateVector(Y.encodeStateVector(checker)), targetOf(groups[d]!)), 5_000, 'recovery')
          .catch(() => undefined)
        lost += countMissing(new Map([...tracker.sent].filter(([id]) => groups[d]!.some((r) => r.doc.clientID === id))), Y.decodeStateVector(Y.encodeStateVector(checker)))
        if (sameState(checker, expected[d]!)) recoveredDocs++
        client.destroy()
      }
      const allEdits = burstEdits + total
      return {
        metrics: {
          editsPerSecond: burstEdits / (elapsed / 1000),
          burstP50Ms: percentile(burstLatency, 50),
          burstP99Ms: percentile(burstLatency, 99),
          p50Ms: percentile(fixedLatency, 50),
          p99Ms: percentile(fixedLatency, 99),
          achievedPerSecond: total / (offeredMs / 1000),
          serverCpuMsPer1kEdits: ((after.cpuMs - before.cpuMs) / burstEdits) * 1000,
          harnessCpuMsPer1kEdits: ((harnessCpu.user + harnessCpu.system) / 1000 / burstEdits) * 1000,
          peakRssMB: peak.peakRssBytes / 1e6,
          wireBytesPerEdit: wireBytes / burstEdits,
          lostAfterKill: lost,
          recoveredDocs,
        },
        notes: [`kill -9 right after the last edit was seen by every client: ${lost} of ${allEdits} edits lost, ${recoveredDocs}/${groups.length} documents intact`],
      }
    }))
    step.done()
  }
  return {
    id: 'B2.1',
    scenario: 2,
    title: 'Ingest and fan-out: D documents × C clients, server in its own process',
    params: { docs: params.docs, clientsPerDoc: params.clientsPerDoc, editsPerClient: params.editsPerClient, offeredPerSecond: params.offeredPerSecond, offeredSeconds: params.offeredSeconds, ...params.schedule },
    metrics: [
      { key: 'editsPerSecond', label: 'edits/s until all clients saw every edit', unit: 'edits/s', better: 'higher', deterministic: false },
      { key: 'p50Ms', label: 'fan-out p50 at fixed load', unit: 'ms', better: 'lower', deterministic: false },
      { key: 'p99Ms', label: 'fan-out p99 at fixed load', unit: 'ms', better: 'lower', deterministic: false },
      { key: 'burstP50Ms', label: 'fan-out p50 flat out', unit: 'ms', better: 'lower', deterministic: false },
      { key: 'burstP99Ms', label: 'fan-out p99 flat out', unit: 'ms', better: 'lower', deterministic: false },
      { key: 'achievedPerSecond', label: 'offered load achieved', unit: 'edits/s', better: 'higher', deterministic: false },
      { key: 'serverCpuMsPer1kEdits', label: 'server CPU per 1,000 edits', unit: 'ms/1k edits', better: 'lower', deterministic: false },
      { key: 'harnessCpuMsPer1kEdits', label: 'client-side CPU per 1,000 edits', unit: 'ms/1k edits', better: 'lower', deterministic: false },
      { key: 'peakRssMB', label: 'server peak RSS', unit: 'MB', better: 'lower', deterministic: false },
      { key: 'wireBytesPerEdit', label: 'wire bytes per edit, all clients', unit: 'B/edit', better: 'lower', deterministic: false },
      { key: 'lostAfterKill', label: 'edits lost after kill -9', unit: 'count', better: 'lower', deterministic: false },
    ],
    measurements,
  }
}
