import type { System } from '../systems/types.ts'
import { applyEdit, generateEdits } from '../workload/edits.ts'
import { generateSchedule, writeSchedule } from '../workload/schedule.ts'
import { FULL_SCHEDULE } from '../workload/types.ts'
import { encodeFormats, FORMAT_LABELS, measureWire, type FormatId } from './formats.ts'
import { createDocFactory, measure } from './harness.ts'
import { waitForQuiet, waitForState } from './sync.ts'
import type { CaseResult, Measurement, MetricDef, ScenarioContext } from './types.ts'

const compressionEdits = (ctx: ScenarioContext): number => (ctx.mode === 'full' ? 1000 : 300)

const METRICS: MetricDef[] = [
  { key: 'initialSyncBytes', label: 'initial sync', unit: 'B', better: 'lower', deterministic: true },
  { key: 'bytesPerEdit', label: 'bytes per edit', unit: 'B/edit', better: 'lower', deterministic: true },
]

/** [B1.1] The same schedule and edits in each wire format, raw and with permessage-deflate. */
export const runFormats = async (ctx: ScenarioContext, edits = compressionEdits(ctx)): Promise<CaseResult> => {
  const schedule = generateSchedule(ctx.seed, FULL_SCHEDULE)
  const editList = generateEdits(schedule, { seed: ctx.seed + 1, tag: 'a', days: FULL_SCHEDULE.days }, edits)
  const encoded = encodeFormats(schedule, editList, createDocFactory(ctx.seed)().clientID)
  const measurements: Measurement[] = []
  for (const format of Object.keys(FORMAT_LABELS) as FormatId[]) {
    for (const deflate of [false, true]) {
      const step = ctx.progress.step(`B1.1 ${format}${deflate ? ' + deflate' : ''}`)
      const wire = await measureWire(encoded[format], deflate)
      measurements.push({
        subject: deflate ? `${format}+deflate` : format,
        label: `${FORMAT_LABELS[format]}${deflate ? ', permessage-deflate' : ''}`,
        isRota: false,
        ok: true,
        metrics: { initialSyncBytes: wire.initial, bytesPerEdit: wire.perEdit },
      })
      step.done()
    }
  }
  return {
    id: 'B1.1',
    scenario: 1,
    title: 'Wire formats: one client sends the schedule, then each edit (client → server bytes)',
    params: { ...FULL_SCHEDULE, edits, shifts: Object.keys(schedule.shifts).length },
    metrics: METRICS,
    measurements,
  }
}

/**
 * [B1.2] Each system's wire bytes, both directions, as its clients really exchange them: a new client's initial sync
 * of the full schedule, then that client making the edits while a second client watches. Bytes per edit count the
 * editing client's connection (what one user's edits cost); fan-out to the watcher is counted separately.
 */
export const runSystemBytes = async (ctx: ScenarioContext, systems: System[], edits = compressionEdits(ctx)): Promise<CaseResult> => {
  const schedule = generateSchedule(ctx.seed, FULL_SCHEDULE)
  const editList = generateEdits(schedule, { seed: ctx.seed + 1, tag: 'a', days: FULL_SCHEDULE.days }, edits)
  const measurements: Measurement[] = []
  for (const system of systems) {
    const step = ctx.progress.step(`B1.2 ${system.id}`)
    measurements.push(await measure(ctx, system, async (running) => {
      const newDoc = createDocFactory(ctx.seed)
      const author = newDoc()
      const editor = newDoc()
      const watcher = newDoc()
      // The author writes the schedule; the watcher stays connected throughout and proves it reached the server.
      const authorClient = running.connect('schedule', author)
      const watcherProxy = await running.proxy()
      const watcherClient = running.connect('schedule', watcher, watcherProxy)
      await Promise.all([authorClient.whenSynced(), watcherClient.whenSynced()])
      writeSchedule(author, schedule)
      await waitForState(watcher, author, 60_000, 'the watcher receiving the schedule')
      authorClient.destroy()

      const editorProxy = await running.proxy()
      const editorClient = running.connect('schedule', editor, editorProxy)
      await waitForState(editor, author, 60_000, 'the initial sync')
      await waitForQuiet(() => editorProxy.count().up + editorProxy.count().down, 300)
      const initialSyncBytes = editorProxy.count().up + editorProxy.count().down
      await editorClient.whenSynced()

      editorProxy.reset()
      watcherProxy.reset()
      for (const edit of editList) applyEdit(editor, edit)
      await waitForState(watcher, editor, 60_000, 'the watcher receiving every edit')
      await waitForQuiet(() => editorProxy.count().up + editorProxy.count().down + watcherProxy.count().down, 300)
      const editorBytes = editorProxy.count().up + editorProxy.count().down
      return {
        metrics: {
          initialSyncBytes,
          bytesPerEdit: editorBytes / edits,
          upBytesPerEdit: editorProxy.count().up / edits,
          downBytesPerEdit: editorProxy.count().down / edits,
          fanOutBytesPerEdit: watcherProxy.count().down / edits,
        },
      }
    }))
    step.done()
  }
  return {
    id: 'B1.2',
    scenario: 1,
    title: 'Systems: initial sync of the schedule and bytes per edit on the editing client\'s connection (both directions)',
    params: { ...FULL_SCHEDULE, edits },
    metrics: [
      ...METRICS,
      { key: 'upBytesPerEdit', label: 'client → server per edit', unit: 'B/edit', better: 'lower', deterministic: true },
      { key: 'downBytesPerEdit', label: 'server → client per edit (echo)', unit: 'B/edit', better: 'lower', deterministic: true },
      { key: 'fanOutBytesPerEdit', label: 'to a watching client per edit', unit: 'B/edit', better: 'lower', deterministic: true },
    ],
    measurements,
  }
}

