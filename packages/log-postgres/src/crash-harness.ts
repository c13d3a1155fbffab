/**
 * Kill-and-recover rounds against a real PostgreSQL, as log-leveldb's crash harness does for LevelDB:
 * a child process (crash-writer.ts) appends under concurrent load and reports every resolved append;
 * at a random moment either the writer is killed with SIGKILL (`kill: 'writer'`) or PostgreSQL is
 * stopped with `pg_ctl stop -m immediate` and started again (`kill: 'postgres'`, through
 * .ci/postgres.sh on a cluster of the caller's own). The log is then reopened and every acknowledged
 * append must be there, byte for byte, numbered densely after the previous round's head.
 */
import { execFile, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { crc32 } from 'node:zlib'
import pg from 'pg'
import * as Y from 'yjs'
import { openPostgresLog } from './pg-log.ts'

export interface CrashOptions {
  url: string
  schema: string
  rounds: number
  /** Seeds the kill moments; printed in failures so that a run can be replayed. */
  seed: number
  kill: 'writer' | 'postgres'
  /** The cluster directory .ci/postgres.sh made (needed for `kill: 'postgres'`). */
  clusterDir?: string
  writers?: number
  docs?: number
  minRunMs?: number
  maxRunMs?: number
}

export interface CrashReport {
  seed: number
  rounds: number
  acknowledged: number
  problems: string[]
}

const here = dirname(fileURLToPath(import.meta.url))
const script = join(here, '../../../.ci/postgres.sh')
const run = promisify(execFile)

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

type Acks = Map<string, Array<{ seq: number; crc: number }>>

/**
 * A killed client's backend runs its statement to the end, and may COMMIT a batch (never
 * acknowledged) after the client died. The check waits until those sessions are gone, as an
 * instance settling in-doubt commits would, so that what it reads no longer moves.
 */
async function waitForSessionsGone(url: string, applicationName: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    for (let attempt = 0; attempt < 600; attempt++) {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName])
      if (rows[0].n === 0) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`sessions of ${applicationName} still open 30 s after the kill`)
  } finally {
    await client.end()
  }
}

/** Runs the writer until `crashAfterMs` after it is ready, then crashes what `options.kill` names. */
async function runWriter(options: CrashOptions, round: number, crashAfterMs: number): Promise<Acks> {
  const applicationName = `rota-crash-${process.pid}-${options.schema}-${round}`
  const args = ['--import', 'tsx', join(here, 'crash-writer.ts'), options.url, options.schema, String(options.writers ?? 10), String(options.docs ?? 4), applicationName]
  const child = spawn(process.execPath, args, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] })
  const acks: Acks = new Map()
  let buffered = ''
  let stderr = ''
  let crashed: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  const crash = async (): Promise<void> => {
    if (options.kill === 'postgres') await run('bash', [script, 'crash', options.clusterDir!])
    child.kill('SIGKILL')
  }
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) {
      if (line === 'ready') {
        timer = setTimeout(() => (crashed = crash()), crashAfterMs)
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
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000 + crashAfterMs)
  // 'close', not 'exit': every line the writer printed before it died has been read by then.
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  )
  clearTimeout(timer)
  clearTimeout(guard)
  await crashed
  if (options.kill === 'postgres') await run('bash', [script, 'restart', options.clusterDir!])
  else await waitForSessionsGone(options.url, applicationName)
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
    const acks = await runWriter(options, round, Math.round(min + next() * (max - min)))
    const log = await openPostgresLog({ url: options.url, schema: options.schema, checkpointOnClose: false })
    try {
      for (const [doc, list] of acks) {
        report.acknowledged += list.length
        const previousHead = heads.get(doc) ?? 0
        const stored = new Map<number, number>()
        for await (const entry of log.read(doc, { fromSeq: previousHead + 1 })) stored.set(entry.seq, crc32(entry.update))
        for (const ack of list) {
          if (ack.seq <= previousHead) problem(round, `${doc} seq ${ack.seq} reused (head before the round was ${previousHead})`)
          const crc = stored.get(ack.seq)
          if (crc === undefined) problem(round, `${doc} seq ${ack.seq} was acknowledged but is missing`)
          else if (crc !== ack.crc) problem(round, `${doc} seq ${ack.seq} holds other bytes than acknowledged`)
        }
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
    if (report.problems.length > 0) break
  }
  return report
}
