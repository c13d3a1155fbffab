/**
 * What detection costs per update: one editor sends many small updates to a realistic schedule (50 staff,
 * 90 days, ~720 shifts, eval/realistic.ts) and the resolver examines each one as the server extension
 * feeds it (editEventOf on every stored update, observe without waiting). Prints updates/s until the
 * resolver has examined all of them, the longest event-loop block and peak RSS.
 *   npx tsx packages/resolver/eval/burst.ts [--updates 10000] [--reply-every 0] [--arrival 2000]
 * `--reply-every N`: a second editor's sync reply (an offline session with its view) every N updates.
 * `--arrival R`: updates per second reaching the resolver (the relay's pace); 0 = all at once.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { editEventOf } from '../src/extension.ts'
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

const main = async (): Promise<void> => {
  const stream = realisticStream(UPDATES, REPLY_EVERY)
  const resolver = createResolver({ store: createMemoryStore(), change: async () => {}, notify: () => {} })
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
      const due = ARRIVAL > 0 ? Math.min(events.length, 1 + Math.ceil(((performance.now() - started) / 1000) * ARRIVAL)) : events.length
      for (; delivered < due; delivered++) {
        resolver.observe(DOC, events[delivered]!).catch((err: unknown) => { console.error(err) })
      }
      if (delivered < events.length) setTimeout(deliver, 1)
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
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
