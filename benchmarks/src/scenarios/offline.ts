import * as Y from 'yjs'
import type { System } from '../systems/types.ts'
import { applyEdit, createEditGenerator } from '../workload/edits.ts'
import { generateSchedule, writeSchedule } from '../workload/schedule.ts'
import { FULL_SCHEDULE } from '../workload/types.ts'
import { createDocFactory, measure } from './harness.ts'
import { holds, sameState, stateOf, waitForQuiet, waitForState, waitUntil } from './sync.ts'
import type { CaseResult, Measurement, ScenarioContext } from './types.ts'

const offlineEdits = (ctx: ScenarioContext): number => (ctx.mode === 'full' ? 1000 : 300)

/**
 * [B4.1] Client A goes offline and makes N edits while client B makes N online; A reconnects. Time until both hold
 * the same state, and the bytes on A's connection during that time beside the Yjs diff (what each side lacked).
 */
export const runOffline = async (ctx: ScenarioContext, systems: System[]): Promise<CaseResult> => {
  const edits = offlineEdits(ctx)
  const measurements: Measurement[] = []
  for (const system of systems) {
    const step = ctx.progress.step(`B4.1 ${system.id}`)
    measurements.push(await measure(ctx, system, async (running) => {
      const newDoc = createDocFactory(ctx.seed)
      const a = newDoc()
      const b = newDoc()
      const proxyA = await running.proxy()
      const proxyB = await running.proxy()
      const clientB = running.connect('offline', b, proxyB)
      await clientB.whenSynced()
      const schedule = generateSchedule(ctx.seed, FULL_SCHEDULE)
      writeSchedule(b, schedule)
      const clientA = running.connect('offline', a, proxyA)
      await waitForState(a, b, 60_000, 'A receiving the schedule')
      await clientA.whenSynced()
      await waitForQuiet(() => proxyA.count().up + proxyA.count().down + proxyB.count().down, 300)

      clientA.disconnect()
      const editsA = createEditGenerator(schedule, { seed: ctx.seed + 10, tag: 'a', days: FULL_SCHEDULE.days })
      const editsB = createEditGenerator(schedule, { seed: ctx.seed + 11, tag: 'b', days: FULL_SCHEDULE.days })
      for (let i = 0; i < edits; i++) applyEdit(a, editsA.next())
      for (let i = 0; i < edits; i++) applyEdit(b, editsB.next())
      // B's edits reach the server before A comes back: wait until B's connection is quiet.
      await waitForQuiet(() => proxyB.count().up + proxyB.count().down, 300)
      const yjsDiff = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)).length + Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)).length

      proxyA.reset()
      const t0 = performance.now()
      clientA.connect()
      // Both directions first: A may hold B's edits before B holds A's, and only then can the states match.
      const targetA = stateOf(a)
      const targetB = stateOf(b)
      await waitUntil([a, b], () => holds(a, targetB) && holds(b, targetA), 120_000, 'A and B exchanging their edits')
      const convergeMs = performance.now() - t0
      if (!sameState(a, b)) throw new Error('A and B differ after reconnecting')
      await waitForQuiet(() => proxyA.count().up + proxyA.count().down, 300)
      const bytes = proxyA.count().up + proxyA.count().down
      return { metrics: { convergeMs, reconnectBytes: bytes, yjsDiffBytes: yjsDiff, bytesOverDiff: bytes / yjsDiff } }
    }))
    step.done()
  }
  return {
    id: 'B4.1',
    scenario: 4,
    title: `Offline reconnect: ${edits} edits offline on A while B makes ${edits} online`,
    params: { edits, ...FULL_SCHEDULE },
    metrics: [
      { key: 'convergeMs', label: 'time to converge after reconnect', unit: 'ms', better: 'lower', deterministic: false },
      { key: 'reconnectBytes', label: 'bytes on A\'s connection', unit: 'B', better: 'lower', deterministic: false },
      { key: 'yjsDiffBytes', label: 'Yjs diff (both directions)', unit: 'B', better: 'lower', deterministic: true },
      { key: 'bytesOverDiff', label: 'bytes ÷ Yjs diff', unit: 'ratio', better: 'lower', deterministic: false },
    ],
    measurements,
  }
}
