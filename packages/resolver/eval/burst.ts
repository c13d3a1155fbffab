/**
 * What detection costs per update: one editor sends many small updates to a realistic schedule (50 staff,
 * 90 days, ~720 shifts, eval/realistic.ts) and the resolver examines each one as the server extension
 * feeds it (editEventOf on every stored update, observe without waiting). Prints updates/s until the
 * resolver has examined all of them, the longest event-loop block and peak RSS.
 *   npx tsx packages/resolver/eval/burst.ts [--updates 10000] [--reply-every 0] [--arrival 2000]
 * `--reply-every N`: a second editor's sync reply (an offline session with its view) every N updates.
 * `--arrival R`: updates per second reaching the resolver (the relay's pace); 0 = as fast as the loop turns (100 a turn).
 * `--baseline`: the same run with nothing examining the updates: the machine's own timer lateness and RSS.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { Registry } from 'prom-client'
import { editEventOf } from '../src/extension.ts'
import { createResolverMetrics } from '../src/metrics.ts'
import { createResolver } from '../src/resolver.ts'
import { createMemoryStore } from '../src/store.ts'
import { realisticStream } from './realistic.ts'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const UPDATES = arg('updates', 10_000)
const REPLY_EVERY = arg('reply-every', 0)
const ARRIVAL = arg('arrival', 2000)
const DOC = 'ward/burst'
const BASELINE = process.argv.includes('--baseline')

const main = async (): Promise<void> => {
  const stream = realisticStream(UPDATES, REPLY_EVERY)
  const registry = new Registry()
  const resolver = createResolver({ store: createMemoryStore(), change: async () => {}, notify: () => {}, metrics: createResolverMetrics(registry) })
  let gcMax = 0
  const gcKinds: Record<string, number> = {}
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMax = Math.max(gcMax, e.duration)
      const kind = String((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind)
      if (e.duration > 10) gcKinds[kind] = (gcKinds[kind] ?? 0) + 1
    }
  })
  gc.observe({ entryTypes: ['gc'] })
  const events = stream.map((s, i) => editEventOf({
    seq: i + 1, update: s.update,
    meta: {
      actor: s.actor, role: 'manager', origin: 'ws', receivedAt: Date.now(), clientIds: [],
      ...(s.reply ? { details: { view: { seq: s.reply.viewUpTo + 1, also: [] }, knownStateVector: Buffer.from(s.reply.sv).toString('base64') } } : {}),
    },
  }))
  // The seed is loaded before the burst, as a document opened from the log would be.
  await resolver.observe(DOC, events[0]!)
  await resolver.idle()
  const rssBefore = process.memoryUsage().rss

  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  let rssPeak = rssBefore
  let lateMax = 0
  let last = performance.now()
  const probe = setInterval(() => {
    const now = performance.now()
    lateMax = Math.max(lateMax, now - last - 10)
    last = now
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  }, 10)

  const started = performance.now()
  let delivered = 1
  let deliveredAt = started
  await new Promise<void>((done) => {
    const deliver = (): void => {
      // The relay hands updates over as they are stored, many I/O callbacks apart: at most 100 per turn here.
      const due = ARRIVAL > 0 ? Math.min(events.length, 1 + Math.ceil(((performance.now() - started) / 1000) * ARRIVAL)) : events.length
      for (let n = 0; delivered < due && n < 100; delivered++, n++) {
        if (!BASELINE) resolver.observe(DOC, events[delivered]!).catch((err: unknown) => { console.error(err) })
      }
      if (delivered < events.length) {
        if (ARRIVAL > 0) setTimeout(deliver, 1)
        else setImmediate(deliver)
      }
      else {
        deliveredAt = performance.now()
        done()
      }
    }
    deliver()
  })
  await resolver.idle()
  const finished = performance.now()
  // A block that ended with the work is only recorded once the timers run again.
  await new Promise((resolve) => setTimeout(resolve, 25))
  clearInterval(probe)
  loop.disable()
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  const n = events.length - 1
  const seconds = (finished - started) / 1000
  const result = {
    updates: n, replies: stream.filter((s) => s.reply).length, arrivalPerSecond: ARRIVAL,
    deliveredSeconds: Math.round(deliveredAt - started) / 1000,
    examinedSeconds: Math.round(seconds * 1000) / 1000,
    updatesPerSecond: Math.round(n / seconds),
    msPerUpdate: Math.round((1000 * seconds * 1000) / n) / 1000,
    maxEventLoopBlockMs: Math.round(loop.max / 1e5) / 10,
    maxTimerLateMs: Math.round(lateMax * 10) / 10,
    processedSeq: resolver.processedSeq(DOC),
    rssBeforeMB: Math.round(rssBefore / 1e6), rssPeakMB: Math.round(rssPeak / 1e6),
    conflicts: (await resolver.list(DOC, 'all')).length,
    maxGcPauseMs: Math.round(gcMax * 10) / 10, gcOver10msByKind: gcKinds,
    heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e6),
    slices: Object.fromEntries(((await registry.getSingleMetric('rota_resolver_slice_seconds')?.get())?.values ?? [])
      .filter((v) => (v as { metricName?: string }).metricName?.endsWith('_bucket')).map((v) => [`le ${String(v.labels.le)}`, v.value])),
  }
  gc.disconnect()
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
