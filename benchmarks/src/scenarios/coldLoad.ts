import * as Y from 'yjs'
import type { System } from '../systems/types.ts'
import { applyEdit, createEditGenerator } from '../workload/edits.ts'
import { generateSchedule, writeSchedule } from '../workload/schedule.ts'
import type { ScheduleSize } from '../workload/types.ts'
import { createDocFactory, diskBytes, measure } from './harness.ts'
import { sleep, waitForState } from './sync.ts'
import type { CaseResult, Measurement, ScenarioContext } from './types.ts'

const BASE: ScheduleSize = { staff: 20, days: 28, shiftsPerDay: 8 }
const BATCH = 500

export const coldLoadSizes = (ctx: ScenarioContext): number[] => (ctx.mode === 'full' ? [10_000, 100_000] : [1_000, 5_000])

/**
 * [B3.n] A document with N stored edits, made one update at a time through the system itself; the server is stopped
 * and started again; time from a new client connecting until it holds the full state (checked against the writer's
 * replica, not a "synced" event).
 */
export const runColdLoad = async (ctx: ScenarioContext, systems: System[]): Promise<CaseResult[]> => {
  const results: CaseResult[] = []
  for (const [index, edits] of coldLoadSizes(ctx).entries()) {
    const measurements: Measurement[] = []
    for (const system of systems) {
      const step = ctx.progress.step(`B3.${index + 1} ${system.id} (${edits} edits)`)
      measurements.push(await measure(ctx, system, async (running) => {
        const newDoc = createDocFactory(ctx.seed)
        const writer = newDoc()
        const watcher = newDoc()
        const writerClient = running.connect('history', writer)
        const watcherClient = running.connect('history', watcher)
        await Promise.all([writerClient.whenSynced(), watcherClient.whenSynced()])
        const schedule = generateSchedule(ctx.seed, BASE)
        writeSchedule(writer, schedule)
        const generator = createEditGenerator(schedule, { seed: ctx.seed + 3, tag: 'w', days: BASE.days })
        // Batches keep the server's queue bounded; each batch is on the server once the watcher has it.
        for (let done = 0; done < edits; done += BATCH) {
          for (let i = 0; i < Math.min(BATCH, edits - done); i++) applyEdit(writer, generator.next())
          await waitForState(watcher, writer, 300_000, 'the watcher receiving the history')
        }
        writerClient.destroy()
        watcherClient.destroy()
        await sleep(500)
        await running.restart('stop')
        const bytesOnDisk = await diskBytes(running.dataDir)

        const reader = newDoc()
        const t0 = performance.now()
        const readerClient = running.connect('history', reader)
        await waitForState(reader, writer, 120_000, 'a new client receiving the full state')
        const loadMs = performance.now() - t0
        readerClient.destroy()
        return { metrics: { loadMs, diskMB: bytesOnDisk / 1e6, stateKB: Y.encodeStateAsUpdate(writer).length / 1e3 } }
      }))
      step.done()
    }
    results.push({
      id: `B3.${index + 1}`,
      scenario: 3,
      title: `Cold load: ${edits.toLocaleString('en')} stored edits, server restarted, time until a new client holds the full state`,
      params: { edits, ...BASE },
      metrics: [
        { key: 'loadMs', label: 'time to full state', unit: 'ms', better: 'lower', deterministic: false },
        { key: 'diskMB', label: 'bytes on disk', unit: 'MB', better: 'lower', deterministic: false },
        { key: 'stateKB', label: 'document state (Yjs v1)', unit: 'KB', better: 'lower', deterministic: true },
      ],
      measurements,
    })
  }
  return results
}

