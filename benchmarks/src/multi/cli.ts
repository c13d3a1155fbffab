// `npm run bench:multi -w @rota/benchmarks` (full, writes docs/benchmarks/multi-instance.md and .json)
// `… -- --quick` (a short check, writes under benchmarks/results/tmp/multi/) · `--out <dir>` · `--seed <n>`
//
// Uses ROTA_TEST_POSTGRES_URL (and _DIR, for its CPU) when set, else starts a PostgreSQL of its own with
// .ci/postgres.sh; always a redis-server of its own (.ci/redis.sh). Each cluster gets a fresh schema.
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startOwnPostgres, startOwnRedis } from '@rota/cli/multi-instance'
import { BENCHMARKS_DIR } from '../proc/child.ts'
import { machineInfo } from '../report/machine.ts'
import { runFailover, type FailoverParams } from './failover.ts'
import { renderMulti, type MultiResults } from './report.ts'
import { measureDisk } from './stores.ts'
import { runThroughput, type Environment, type ThroughputParams } from './throughput.ts'

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, seed: { type: 'string', default: '20261202' }, out: { type: 'string' } },
})
const quick = values.quick
const seed = Number(values.seed)
const outDir = path.resolve(process.env.INIT_CWD ?? process.cwd(),
  values.out ?? (quick ? path.join(BENCHMARKS_DIR, 'results', 'tmp', 'multi') : path.join(BENCHMARKS_DIR, '..', 'docs', 'benchmarks')))

const throughput: ThroughputParams = quick
  ? { docs: 2, editsPerClient: 30, offeredPerSecond: 150, offeredSeconds: 2, schedule: { staff: 20, days: 28, shiftsPerDay: 8 } }
  : { docs: 4, editsPerClient: 300, offeredPerSecond: 300, offeredSeconds: 10, schedule: { staff: 20, days: 28, shiftsPerDay: 8 } }
const failover: FailoverParams = quick ? { kills: 1, editors: 6, editIntervalMs: 100 } : { kills: 3, editors: 6, editIntervalMs: 100 }

// The instances run the build (as `npm start`); bring it up to date first (`tsc -b`, a second when nothing changed).
const built = spawnSync(process.execPath, [fileURLToPath(new URL('../../../apps/rota/scripts/build-server.mjs', import.meta.url))], { stdio: 'inherit' })
if (built.status !== 0) throw new Error(`building the server failed (exit ${built.status}): run npm run build`)

const envUrl = process.env.ROTA_TEST_POSTGRES_URL ?? ''
const ownPostgres = envUrl === '' ? await startOwnPostgres() : undefined
const redis = await startOwnRedis()
let schemas = 0
const env: Environment = {
  postgresUrl: ownPostgres?.url ?? envUrl,
  ...((ownPostgres?.dir ?? process.env.ROTA_TEST_POSTGRES_DIR) ? { postgresDir: ownPostgres?.dir ?? process.env.ROTA_TEST_POSTGRES_DIR } : {}),
  redisUrl: redis.url,
  redisDir: redis.dir,
  schema: () => `bench_${process.pid}_${++schemas}`,
}
const started = Date.now()
try {
  const step = (label: string) => process.stderr.write(`multi-instance benchmark: ${label}…\n`)
  step('1 instance')
  const one = await runThroughput(env, 1, throughput, seed)
  step('3 instances')
  const three = await runThroughput(env, 3, throughput, seed)
  // The 3-instance run's schema holds its entries: the bytes-on-disk comparison reads them.
  const leveldbDir = await mkdtemp(path.join(tmpdir(), 'rota-multi-level-'))
  step('bytes on disk')
  const disk = await measureDisk(env.postgresUrl, `bench_${process.pid}_${schemas}`, leveldbDir).finally(() => rm(leveldbDir, { recursive: true, force: true }))
  step('failover')
  const fail = await runFailover(env, failover)
  const results: MultiResults = {
    mode: quick ? 'quick' : 'full', seed, date: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000),
    machine: machineInfo(), throughputParams: throughput, failoverParams: failover, throughput: [one, three], disk, failover: fail,
  }
  await mkdir(outDir, { recursive: true })
  await writeFile(path.join(outDir, 'multi-instance.json'), `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(path.join(outDir, 'multi-instance.md'), renderMulti(results))
  process.stdout.write(`${renderMulti(results)}\nWritten to ${outDir}\n`)
  if (fail.stuck.length > 0) process.exitCode = 1
} finally {
  await redis.destroy()
  await ownPostgres?.destroy()
}
// Client libraries keep timers (awareness, reconnect) after destroy; the run is over.
process.exit(process.exitCode ?? 0)
