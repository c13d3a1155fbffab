// Rota's server as an operator runs it: the compiled `rota serve` (apps/rota/dist, what `npm start` and the
// `rota` command run; no TypeScript loader in the process), with `rota serve`'s own startup (startServing): the
// same extensions (the conflict resolver, role rules), auth (open, on loopback), LevelDB log (durable, fsynced
// appends) and defaults, except the per-address limits below and what the harness names: the client compression
// mode, and `--no-resolver` for the resolver-free row. Plain JavaScript so that plain `node` runs it.
import { parseCommandLine, resolveConfig, startServing } from '@rota/cli'

const READY_PREFIX = 'BENCH_SERVER_READY '
const dir = process.env.BENCH_DATA_DIR
if (dir === undefined) throw new Error('BENCH_DATA_DIR is required')

const argv = [
  'serve', '--data-dir', dir, '--host', '127.0.0.1', '--port', '0',
  // The peers write no log lines either; an open-mode warning or request lines would only cost the run time.
  '--log-level', 'silent',
  // Every benchmark client comes from 127.0.0.1; the per-address limits (256 connections, 200 messages/s) would
  // treat hundreds of simulated users as one abusive address. The peers have no such limits.
  '--max-connections-per-address', '100000', '--messages-per-second', '1000000', '--message-burst', '1000000',
  '--client-compression', process.env.BENCH_CLIENT_COMPRESSION ?? 'stream',
  ...(process.env.BENCH_ROTA_RESOLVER === 'off' ? ['--no-resolver'] : []),
]
// BENCH_ROTA_CPU_PROF=<dir>: CPU profiles of this server, one per PROFILE_EVERY_MS (the run ends it with kill -9,
// so `node --cpu-prof`'s profile at exit would be lost). Profile before optimising; open them in Chrome's DevTools.
const PROFILE_EVERY_MS = 1_000
if (process.env.BENCH_ROTA_CPU_PROF) {
  const { Session } = await import('node:inspector/promises')
  const { writeFile, mkdir } = await import('node:fs/promises')
  const profileDir = process.env.BENCH_ROTA_CPU_PROF
  await mkdir(profileDir, { recursive: true })
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  let part = 0
  setInterval(async () => {
    const { profile } = await session.post('Profiler.stop')
    await session.post('Profiler.start')
    await writeFile(`${profileDir}/rota-${process.pid}-${String(part++).padStart(3, '0')}.cpuprofile`, JSON.stringify(profile))
  }, PROFILE_EVERY_MS).unref()
}

const { values } = parseCommandLine(argv)
// No environment: a ROTA_* variable in the shell that started the benchmark must not change what is measured.
const serving = await startServing(resolveConfig(values, {}), values, {})
const stop = async () => {
  await serving.stop()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
process.stdout.write(`${READY_PREFIX}${new URL(serving.server.url).port}\n`)
