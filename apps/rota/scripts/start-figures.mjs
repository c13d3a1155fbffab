// Start-up figures of `rota serve` and the peer servers (docs/benchmarks/start.md): for each run, the
// time from spawning the server to its first accepted TCP connection, and its resident memory
// (VmRSS, Linux) at that moment. Median of the runs, after one warm-up run.
//   node apps/rota/scripts/start-figures.mjs [runs]
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const runs = Number(process.argv[2] ?? 5)
const plain = { ...process.env, NODE_OPTIONS: '' }
const rotaPort = (line) => (line.includes('"rota serving"') ? Number(new URL(JSON.parse(line).url).port) : undefined)
const serve = (dir) => [join(root, 'apps/rota/bin/rota.js'), 'serve', '--port', '0', '--data-dir', dir, '--log-level', 'info']

const systems = {
  'rota serve (compiled)': (dir) => ({ args: serve(dir), env: plain, port: rotaPort }),
  'rota serve (tsx, sources)': (dir) => ({ args: serve(dir), env: { ...plain, NODE_OPTIONS: '--conditions=@rota/source' }, port: rotaPort }),
  'y-websocket-server': (dir, port) => ({
    args: [join(root, 'node_modules/@y/websocket-server/src/server.js')],
    env: { ...plain, HOST: '127.0.0.1', PORT: String(port), YPERSISTENCE: join(dir, 'leveldb') },
    port: (line) => (line.includes(`on port ${port}`) ? port : undefined),
  }),
  'hocuspocus (tsx)': (dir) => ({
    args: ['--import', 'tsx', join(root, 'benchmarks/src/servers/hocuspocus.server.ts')],
    env: { ...plain, BENCH_DB_FILE: join(dir, 'db.sqlite') },
    port: (line) => (line.startsWith('BENCH_SERVER_READY ') ? Number(line.slice(19)) : undefined),
  }),
}

const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })

const accepts = (port) =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy()
      resolve()
    })
    socket.once('error', reject)
  })

const once = async (make) => {
  const dir = mkdtempSync(join(tmpdir(), 'rota-start-'))
  const { args, env, port: portOf } = make(dir, await freePort())
  const started = performance.now()
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    const port = await new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)))
      createInterface({ input: child.stdout }).on('line', (line) => {
        const found = portOf(line)
        if (found !== undefined) resolve(found)
      })
    })
    await accepts(port)
    const seconds = (performance.now() - started) / 1000
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024
    return { seconds, rss }
  } finally {
    child.kill('SIGKILL')
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)))
    rmSync(dir, { recursive: true, force: true })
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
for (const [name, make] of Object.entries(systems)) {
  await once(make)
  const results = []
  for (let i = 0; i < runs; i++) results.push(await once(make))
  const s = results.map((r) => r.seconds)
  const m = results.map((r) => r.rss)
  console.log(`| ${name} | ${median(s).toFixed(2)} s (${Math.min(...s).toFixed(2)}–${Math.max(...s).toFixed(2)}) | ${median(m).toFixed(0)} MiB (${Math.min(...m).toFixed(0)}–${Math.max(...m).toFixed(0)}) |`)
}
