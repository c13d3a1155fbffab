/**
 * Kill-and-recover rounds against a real LevelDB directory: a child process (crash-writer.ts)
 * appends under concurrent load and reports every resolved append; it is killed with SIGKILL at a
 * random moment; the log is then reopened and checked. Used by the crash test and the benchmark's
 * soak mode. Exported from `@rota/log-leveldb/crash-harness`.
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { crc32 } from 'node:zlib'
import * as Y from 'yjs'
import { openLevelLog } from './level-log.ts'
import type { Durability } from './level-log.ts'

export interface CrashOptions {
  dir: string
  rounds: number
  /** Seeds the kill moments; printed in failures so a run can be replayed. */
  seed: number
  writers?: number
  docs?: number
  durability?: Durability
  /** A kill comes this many ms after the writer reports ready, uniformly in [min, max]. */
  minRunMs?: number
  maxRunMs?: number
  onRound?: (round: RoundResult) => void
}

export interface RoundResult {
  round: number
  killedAfterMs: number
  acknowledged: number
  /** Entries found beyond the acknowledged ones (written, but killed before the promise resolved). */
  unacknowledged: number
  reopenMs: number
}

export interface CrashReport {
  seed: number
  rounds: number
  acknowledged: number
  problems: string[]
}

/** mulberry32: small, seedable, good enough to spread kill moments. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const here = dirname(fileURLToPath(import.meta.url))

interface Ack {
  seq: number
  crc: number
}

async function runWriter(options: CrashOptions, killAfterMs: number): Promise<Map<string, Ack[]>> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'crash-writer.ts'), options.dir, String(options.writers ?? 10), String(options.docs ?? 4), options.durability ?? 'sync'],
    { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const acks = new Map<string, Ack[]>()
  let buffered = ''
  let stderr = ''
  let timer: NodeJS.Timeout | undefined
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) {
      if (line === 'ready') {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        continue
      }
      const [doc, seq, crc] = line.split(' ')
      if (doc === undefined || seq === undefined || crc === undefined) continue
      let list = acks.get(doc)
      if (list === undefined) acks.set(doc, (list = []))
      list.push({ seq: Number(seq), crc: Number(crc) })
    }
  })
  // A writer that never gets ready (or dies by itself) is a failure, not a hang.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000 + killAfterMs)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  )
  clearTimeout(timer)
  clearTimeout(guard)
  if (signal !== 'SIGKILL' || timer === undefined) throw new Error(`writer exited by itself (code ${code}, signal ${signal}): ${stderr}`)
  return acks
}

export async function runCrashRounds(options: CrashOptions): Promise<CrashReport> {
  const next = random(options.seed)
  const min = options.minRunMs ?? 50
  const max = options.maxRunMs ?? 400
  const heads = new Map<string, number>()
  const report: CrashReport = { seed: options.seed, rounds: 0, acknowledged: 0, problems: [] }
  const problem = (round: number, text: string) => report.problems.push(`seed ${options.seed} round ${round}: ${text}`)

  for (let round = 1; round <= options.rounds; round++) {
    const killedAfterMs = Math.round(min + next() * (max - min))
    const acks = await runWriter(options, killedAfterMs)
    const started = performance.now()
    const log = await openLevelLog({ dir: options.dir })
    const reopenMs = performance.now() - started
    let acknowledged = 0
    let unacknowledged = 0
    try {
      for (const [doc, list] of acks) {
        acknowledged += list.length
        const previousHead = heads.get(doc) ?? 0
        const stored = new Map<number, number>()
        for await (const entry of log.read(doc, { fromSeq: previousHead + 1 })) stored.set(entry.seq, crc32(entry.update))
        for (const ack of list) {
          if (ack.seq <= previousHead) problem(round, `${doc} seq ${ack.seq} reused (head before the round was ${previousHead})`)
          const crc = stored.get(ack.seq)
          if (crc === undefined) problem(round, `${doc} seq ${ack.seq} was acknowledged but is missing`)
          else if (crc !== ack.crc) problem(round, `${doc} seq ${ack.seq} holds other bytes than acknowledged`)
        }
        unacknowledged += stored.size - list.length
        const verified = await log.verify(doc)
        if (verified.damaged.length > 0) problem(round, `${doc} verify: ${JSON.stringify(verified.damaged.slice(0, 5))}`)
        const head = (await log.head(doc))?.headSeq ?? 0
        if (head !== previousHead + stored.size) problem(round, `${doc} head ${head} but ${previousHead} + ${stored.size} entries`)
        heads.set(doc, head)
        const ydoc = new Y.Doc()
        Y.applyUpdate(ydoc, await log.stateAt(doc))
        if (ydoc.getMap('shifts').size === 0 && head > 0) problem(round, `${doc} loads empty at head ${head}`)
      }
    } finally {
      await log.close()
    }
    report.rounds = round
    report.acknowledged += acknowledged
    options.onRound?.({ round, killedAfterMs, acknowledged, unacknowledged, reopenMs })
    if (report.problems.length > 0) break
  }
  return report
}
