import * as Y from 'yjs'
import { waitForIdle } from '../proc/child.ts'
import type { System } from '../systems/types.ts'
import { applyEdit, createEditGenerator } from '../workload/edits.ts'
import { generateSchedule, writeSchedule } from '../workload/schedule.ts'
import type { ScheduleSize } from '../workload/types.ts'
import { createDocFactory, diskBytes, measure } from './harness.ts'
import { holds, stateOf, waitForState, waitUntil } from './sync.ts'
import type { CaseResult, Measurement, ScenarioContext } from './types.ts'

const BASE: ScheduleSize = { staff: 20, days: 28, shiftsPerDay: 8 }
const BATCH = 500
/** Generous bounds: a system that cannot store a batch or load the history within them fails the case. */
const BATCH_TIMEOUT_MS = 120_000
const SETTLE_TIMEOUT_MS = 60_000
const LOAD_TIMEOUT_MS = 120_000
/** Storing the history: at least 2 minutes, and no slower than about 170 edits/s (100k edits: 10 minutes). */
const storeTimeoutMs = (edits: number): number => Math.max(120_000, edits * 6)

export const coldLoadSizes = (ctx: ScenarioContext): number[] => (ctx.mode === 'full' ? [10_000, 100_000] : [1_000, 5_000])

/**
 * [B3.n] A document with N stored edits, made one update at a time through the system itself; once the server is idle
 * it is stopped (SIGTERM) and started again; time from a new client connecting until it holds the full state (structs
 * and deletions of the writer's replica, then the same schedule JSON — not a "synced" event).
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
        const storeBy = performance.now() + storeTimeoutMs(edits)
        for (let done = 0; done < edits; done += BATCH) {
          const left = storeBy - performance.now()
          if (left <= 0) throw new Error(`stored only ${done} of ${edits} edits within ${storeTimeoutMs(edits) / 1000} s`)
          for (let i = 0; i < Math.min(BATCH, edits - done); i++) applyEdit(writer, generator.next())
          const target = stateOf(writer)
          await waitUntil([watcher], () => holds(watcher, target), Math.min(BATCH_TIMEOUT_MS, left), `the watcher receiving edits ${done + 1}–${done + BATCH}`)
        }
        await waitForState(watcher, writer, BATCH_TIMEOUT_MS, 'the watcher receiving the history')
        writerClient.destroy()
        watcherClient.destroy()
        // Stop the server the way an operator would, once it has finished writing what it queued (a peer that writes
        // in the background would otherwise be measured on a history it never stored).
        const settled = await waitForIdle(running.server, 1_000, SETTLE_TIMEOUT_MS)
        await running.restart('stop')

        const reader = newDoc()
        const t0 = performance.now()
        const readerClient = running.connect('history', reader)
        await waitForState(reader, writer, LOAD_TIMEOUT_MS, 'a new client receiving the full state')
        const loadMs = performance.now() - t0
        readerClient.destroy()
        // Bytes at rest: once the restarted server has loaded the history and finished what opening its store started.
        await waitForIdle(running.server, 1_000, SETTLE_TIMEOUT_MS)
        const bytesOnDisk = await diskBytes(running.dataDir)
        return {
          metrics: { loadMs, diskMB: bytesOnDisk / 1e6, stateKB: Y.encodeStateAsUpdate(writer).length / 1e3 },
          ...(settled.idle ? {} : { notes: [`the server was still busy ${SETTLE_TIMEOUT_MS / 1000} s after the last edit; stopped anyway`] }),
        }
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

