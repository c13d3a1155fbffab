import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import * as Y from 'yjs'
import { startCountingProxy } from './net/proxy.ts'
import { silentProgress } from './progress.ts'
import { renderMarkdown } from './report/markdown.ts'
import { renderCharts } from './report/svg.ts'
import { runFormats, runSystemBytes } from './scenarios/compression.ts'
import { countMissing, fanOutLatencies } from './scenarios/fanout.ts'
import { encodeFormats } from './scenarios/formats.ts'
import { removeDir } from './scenarios/harness.ts'
import { runIngest } from './scenarios/ingest.ts'
import { holds, stateOf } from './scenarios/sync.ts'
import type { CaseResult, Measurement, ScenarioContext } from './scenarios/types.ts'
import { hocuspocus, yWebsocketServer } from './systems/peers.ts'
import { rota, rotaProvider } from './systems/rota.ts'
import { applyEdit, generateEdits } from './workload/edits.ts'
import { generateSchedule, readSchedule, writeSchedule } from './workload/schedule.ts'
import { FULL_SCHEDULE, SMALL_SCHEDULE } from './workload/types.ts'

// Timing figures are printed by `npm run bench`, never asserted; these tests assert the workload, the measuring
// instruments and the deterministic figures (bytes and ratios of bytes) on a small run.

const dirs: string[] = []
const ctx: ScenarioContext = {
  mode: 'quick',
  seed: 7,
  progress: silentProgress,
  tmpDir: async (prefix) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
    dirs.push(dir)
    return dir
  },
}
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

const figure = (result: CaseResult, subject: string, key: string): number => {
  const m = result.measurements.find((x) => x.subject === subject)
  if (m === undefined || !m.ok) throw new Error(`${result.id} ${subject}: ${m?.error ?? 'missing'}`)
  const value = m.metrics[key]
  if (value === undefined) throw new Error(`${result.id} ${subject} has no ${key}`)
  return value
}

describe('workload', () => {
  it('generates the same schedule from the same seed, of the requested size', () => {
    const a = generateSchedule(1, FULL_SCHEDULE)
    expect(generateSchedule(1, FULL_SCHEDULE)).toEqual(a)
    expect(generateSchedule(2, FULL_SCHEDULE)).not.toEqual(a)
    expect(Object.keys(a.staff)).toHaveLength(50)
    const shifts = Object.keys(a.shifts).length
    expect(shifts).toBeGreaterThanOrEqual(90 * 7)
    expect(shifts).toBeLessThanOrEqual(90 * 9)
    const doc = new Y.Doc()
    writeSchedule(doc, a)
    expect(readSchedule(doc)).toEqual(a)
  })

  it('generates tiny schedules too (time off never asks for more days than the schedule has)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const small = generateSchedule(seed, SMALL_SCHEDULE)
      expect(Object.keys(small.staff)).toHaveLength(SMALL_SCHEDULE.staff)
      for (const staff of Object.values(small.staff)) expect(staff.unavailable.length).toBeLessThanOrEqual(SMALL_SCHEDULE.days)
    }), { numRuns: 50 })
  })

  it('every edit produces exactly one update, and replicas applying the same edits agree', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const schedule = generateSchedule(seed, { staff: 8, days: 7, shiftsPerDay: 4 })
      const edits = generateEdits(schedule, { seed, tag: 't', days: 7 }, 60)
      expect(generateEdits(schedule, { seed, tag: 't', days: 7 }, 60)).toEqual(edits)
      const a = new Y.Doc()
      writeSchedule(a, schedule)
      const b = new Y.Doc()
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
      let updates = 0
      a.on('update', (update: Uint8Array) => {
        updates++
        Y.applyUpdate(b, update)
      })
      for (const edit of edits) applyEdit(a, edit)
      expect(updates).toBe(edits.length)
      expect(readSchedule(b)).toEqual(readSchedule(a))
    }), { numRuns: 20 })
  })
})

describe('instruments', () => {
  it('the proxy counts every byte in each direction', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    server.on('connection', (socket) => socket.on('message', (data: Buffer) => socket.send(data.subarray(0, 10))))
    const proxy = await startCountingProxy((server.address() as { port: number }).port)
    const client = new WebSocket(`ws://127.0.0.1:${proxy.port}`, { perMessageDeflate: false })
    await new Promise((resolve) => client.once('open', resolve))
    proxy.reset()
    const echoed = new Promise((resolve) => client.once('message', resolve))
    client.send(new Uint8Array(100))
    await echoed
    // A masked client frame of 100 bytes has a 6-byte header; the server's unmasked 10-byte frame a 2-byte one.
    expect(proxy.count()).toEqual({ up: 106, down: 12 })
    client.terminate()
    await proxy.close()
    await new Promise((resolve) => server.close(resolve))
  })

  it('fan-out latency: each edit once per receiver, from the first arrival that covers its clock', () => {
    // Sender 7 sends clocks 1, 2, 3 at t = 0, 1, 2; receiver 0 gets clock 2 at t = 5 and clock 3 at t = 6; receiver 1
    // gets nothing.
    const sent: Array<[number, number, number]> = [[7, 1, 0], [7, 2, 1], [7, 3, 2]]
    const arrivals: Array<[number, number, number, number]> = [[0, 7, 2, 5], [0, 7, 3, 6]]
    expect(fanOutLatencies(sent, arrivals, () => [0])).toEqual({ latencies: [5, 4, 4], missing: 0 })
    expect(fanOutLatencies(sent, arrivals, () => [0, 1])).toEqual({ latencies: [5, 4, 4], missing: 3 })
    expect(countMissing(sent, new Map([[7, 2]]))).toBe(1)
    expect(countMissing(sent, new Map([[7, 3]]))).toBe(0)
  })

  it('a replica holds another state only with its deletions (a delete-only edit does not advance the state vector)', () => {
    const a = new Y.Doc()
    a.getArray<string>('days').push(['mon', 'tue'])
    const b = new Y.Doc()
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    a.getArray('days').delete(0, 1)
    expect(Y.encodeStateVector(b)).toEqual(Y.encodeStateVector(a))
    expect(holds(b, stateOf(a))).toBe(false)
    expect(holds(a, stateOf(b))).toBe(true)
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    expect(holds(b, stateOf(a))).toBe(true)
  })
})

describe('[B1] wire bytes', () => {
  const EDITS = 100

  it('[B1.1] formats: the same seed gives the same bytes; Yjs updates are a small fraction of whole JSON', async () => {
    const schedule = generateSchedule(3, FULL_SCHEDULE)
    const edits = generateEdits(schedule, { seed: 4, tag: 'a', days: FULL_SCHEDULE.days }, 20)
    const sizes = (f: ReturnType<typeof encodeFormats>) => Object.values(f).map((m) => m.edits.map((e) => e.length))
    expect(sizes(encodeFormats(schedule, edits, 99))).toEqual(sizes(encodeFormats(schedule, edits, 99)))

    const result = await runFormats(ctx, EDITS)
    const wholeJson = figure(result, 'whole-json', 'bytesPerEdit')
    expect(figure(result, 'yjs-v1', 'bytesPerEdit')).toBeLessThan(0.05 * wholeJson)
    expect(figure(result, 'yjs-v2', 'bytesPerEdit')).toBeLessThan(figure(result, 'yjs-v1', 'bytesPerEdit'))
    expect(figure(result, 'yjs-v2', 'initialSyncBytes')).toBeLessThan(figure(result, 'yjs-v1', 'initialSyncBytes'))
    for (const format of ['whole-json', 'json-patch', 'yjs-v1', 'yjs-v2']) {
      expect(figure(result, `${format}+deflate`, 'initialSyncBytes')).toBeLessThan(figure(result, format, 'initialSyncBytes'))
    }
    const markdown = renderMarkdown({ mode: 'quick', seed: 7, date: '', durationSeconds: 0, machine: { cpus: 2, cpuModel: '', memoryGB: 0, platform: '', node: '', loadAverage: [] }, versions: {}, durability: {}, cases: [result] })
    expect(markdown).toContain('[B1.1]')
    expect(renderCharts([result])['scenario-1.svg']).toMatch(/^<svg[\s\S]*<\/svg>\n$/)
  }, 60_000)

  it('[B1.2] systems: Rota meets its byte targets against whole JSON and the best peer', async () => {
    const formats = await runFormats(ctx, EDITS)
    const result = await runSystemBytes(ctx, [yWebsocketServer, hocuspocus, rota, rotaProvider], EDITS)
    const failed = result.measurements.filter((m: Measurement) => !m.ok)
    expect(failed.map((m) => `${m.subject}: ${m.error}`)).toEqual([])
    const bestPeer = (key: string) => Math.min(figure(result, 'y-websocket-server', key), figure(result, 'hocuspocus', key))
    for (const subject of ['rota', 'rota-provider']) {
      // Targets of issue 5: edits at most half the best peer's bytes and ≥ 95% below whole JSON; initial sync at most half.
      expect(figure(result, subject, 'bytesPerEdit')).toBeLessThanOrEqual(0.5 * bestPeer('bytesPerEdit'))
      expect(figure(result, subject, 'bytesPerEdit')).toBeLessThanOrEqual(0.05 * figure(formats, 'whole-json', 'bytesPerEdit'))
      expect(figure(result, subject, 'initialSyncBytes')).toBeLessThanOrEqual(0.5 * bestPeer('initialSyncBytes'))
    }
    // Both peers echo each update to its sender: the editing connection carries it twice.
    expect(figure(result, 'y-websocket-server', 'downBytesPerEdit')).toBeGreaterThan(0.5 * figure(result, 'y-websocket-server', 'upBytesPerEdit'))
  }, 120_000)
})

describe('[B2] ingest through client processes', () => {
  // Rota acknowledges an edit once it is fsynced and may relay it before: what it promises to keep across kill -9 is
  // what it acknowledged, so the check uses its provider (durable acknowledgements) and kills once all are in.
  it('[B2.1] every edit reaches every replica across client processes, and Rota loses no acknowledged edit on kill -9', async () => {
    const result = await runIngest(ctx, [rotaProvider], {
      docs: 2, clientsPerDoc: 2, editsPerClient: 20, offeredPerSecond: 100, offeredSeconds: 1, clientProcesses: 2,
      schedule: { staff: 5, days: 7, shiftsPerDay: 3 },
    })
    expect(result.measurements.find((m: Measurement) => m.subject === 'rota-provider')?.notes?.[0]).toMatch(/acknowledged as durable/)
    expect(figure(result, 'rota-provider', 'lostAfterKill')).toBe(0)
    expect(figure(result, 'rota-provider', 'recoveredDocs')).toBe(2)
    expect(figure(result, 'rota-provider', 'editsPerSecond')).toBeGreaterThan(0)
  }, 120_000)
})
