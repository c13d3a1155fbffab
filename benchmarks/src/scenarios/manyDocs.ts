import type * as Y from 'yjs'
import type { SyncClient } from '../systems/clients.ts'
import { waitForIdle } from '../proc/child.ts'
import type { System } from '../systems/types.ts'
import { generateSchedule, writeSchedule } from '../workload/schedule.ts'
import { SMALL_SCHEDULE } from '../workload/types.ts'
import { createDocFactory, measure } from './harness.ts'
import { sleep, waitForState } from './sync.ts'
import type { CaseResult, Measurement, ScenarioContext } from './types.ts'

const manyDocsCount = (ctx: ScenarioContext): number => (ctx.mode === 'full' ? 10_000 : 500)
const CONNECT_CONCURRENCY = 100
const SAMPLE = 5
const UNLOAD_TIMEOUT_MS = 120_000
/** Opening the documents: at least 2 minutes, and no slower than about 17 documents/s (10,000: 10 minutes). */
const openTimeoutMs = (count: number): number => Math.max(120_000, count * 60)

/**
 * [B5.1] N small documents, each opened by one idle client that wrote it. Server RSS per open document above the
 * freshly started server, again once the documents were idle for the server's hibernation delay (a server that
 * changes nothing for idle documents is read once), then RSS once every client has gone and the server has unloaded them (its own unload delay,
 * then until its CPU is idle, then the same settling time as before).
 */
export const runManyDocs = async (ctx: ScenarioContext, systems: System[]): Promise<CaseResult> => {
  const count = manyDocsCount(ctx)
  const settleMs = ctx.mode === 'full' ? 5_000 : 3_000
  const measurements: Measurement[] = []
  for (const system of systems) {
    const step = ctx.progress.step(`B5.1 ${system.id} (${count} documents)`)
    measurements.push(await measure(ctx, system, async (running) => {
      const newDoc = createDocFactory(ctx.seed)
      await sleep(500)
      const baseline = await running.server.stats()
      const clients: SyncClient[] = []
      const docs: Y.Doc[] = []
      const openBy = performance.now() + openTimeoutMs(count)
      for (let start = 0; start < count; start += CONNECT_CONCURRENCY) {
        if (performance.now() > openBy) throw new Error(`opened only ${start} of ${count} documents within ${openTimeoutMs(count) / 1000} s`)
        const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, count - start) }, (_, i) => {
          const doc = newDoc()
          docs.push(doc)
          const client = running.connect(`many/${start + i}`, doc)
          clients.push(client)
          return client.whenSynced().then(() => writeSchedule(doc, generateSchedule(ctx.seed + start + i, SMALL_SCHEDULE)))
        })
        await Promise.all(batch)
      }
      // Correctness: a sample of documents, read back by a second client, holds what its writer wrote.
      for (let i = 0; i < SAMPLE; i++) {
        const index = Math.floor((i * count) / SAMPLE)
        const check = newDoc()
        const client = running.connect(`many/${index}`, check)
        await waitForState(check, docs[index]!, 60_000, `document ${index} read back`)
        client.destroy()
      }
      await sleep(settleMs)
      const open = await running.server.stats()
      // The same documents, their clients still connected, once the server had time to act on their idleness.
      await sleep(system.hibernateAfterMs)
      const idle = system.hibernateAfterMs > 0 ? await running.server.stats() : open
      for (const client of clients) client.destroy()
      // Each server unloads an idle document on its own schedule: wait that long, then until it has stopped working.
      await sleep(system.unloadAfterMs)
      const settled = await waitForIdle(running.server, 1_000, UNLOAD_TIMEOUT_MS)
      await sleep(settleMs)
      const closed = await running.server.stats()
      return {
        metrics: {
          kbPerOpenDoc: (open.rssBytes - baseline.rssBytes) / count / 1e3,
          kbPerIdleDoc: (idle.rssBytes - baseline.rssBytes) / count / 1e3,
          baselineMB: baseline.rssBytes / 1e6,
          openMB: open.rssBytes / 1e6,
          afterUnloadMB: closed.rssBytes / 1e6,
        },
        notes: [
          ...(system.hibernateAfterMs > 0 ? [`idle documents read ${system.hibernateAfterMs / 1000} s after the first reading (the server's hibernation delay), clients still connected`] : []),
          `RSS read ${Math.round((system.unloadAfterMs + settled.ms) / 1000 + settleMs / 1000)} s after the last client left `
            + `(the server's unload delay ${system.unloadAfterMs / 1000} s, then ${settled.idle ? 'until idle' : `still busy after ${UNLOAD_TIMEOUT_MS / 1000} s`})`,
        ],
      }
    }))
    step.done()
  }
  return {
    id: 'B5.1',
    scenario: 5,
    title: `Many documents: ${count.toLocaleString('en')} small documents with one idle client each`,
    params: { documents: count, ...SMALL_SCHEDULE },
    metrics: [
      { key: 'kbPerOpenDoc', label: 'server RSS per open document', unit: 'KB/doc', better: 'lower', deterministic: false },
      { key: 'kbPerIdleDoc', label: 'server RSS per idle open document (after hibernation)', unit: 'KB/doc', better: 'lower', deterministic: false },
      { key: 'baselineMB', label: 'RSS of the fresh server', unit: 'MB', better: 'lower', deterministic: false },
      { key: 'openMB', label: 'RSS with every document open', unit: 'MB', better: 'lower', deterministic: false },
      { key: 'afterUnloadMB', label: 'RSS after every client left', unit: 'MB', better: 'lower', deterministic: false },
    ],
    measurements,
  }
}
