/**
 * Several `rota serve` processes on one PostgreSQL log and one Redis bus, behind the round-robin balancer
 * (balancer.ts): the deployment docs/operations.md ("More than one instance") describes, on 127.0.0.1, for the
 * multi-instance test and benchmark. Real child processes, so an instance can be killed with SIGKILL by its pid.
 *
 * Each instance gets its own data directory and instance id; the schema is created with `rota migrate` (servers
 * never run DDL). Redis is a server of the caller's own (`.ci/redis.sh`), so restarting it disturbs no other
 * test file. With `compiled`, the children run the build (`dist/`, as `npm start` does) instead of the sources.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { run } from '../main.ts'
import { startBalancer, type Balancer } from './balancer.ts'

const execFileAsync = promisify(execFile)
const bin = fileURLToPath(new URL('../../bin/rota.js', import.meta.url))
const ciDir = fileURLToPath(new URL('../../../../.ci/', import.meta.url))

/** Runs one of the repository's `.ci/*.sh` scripts and returns the variables it exported (`export K=V` lines). */
const ciScript = async (script: string, args: string[]): Promise<Record<string, string>> => {
  const { stdout } = await execFileAsync(join(ciDir, script), args)
  return Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]))
}

export interface OwnRedis {
  url: string
  /** Its directory (redis.pid, redis.log). */
  dir: string
  /** Stops redis-server by its pid (every connection drops, nothing is kept: no persistence). */
  down(): Promise<void>
  /** Starts it again on the same port. */
  up(): Promise<void>
  /** Stops it and removes its directory. */
  destroy(): Promise<void>
}

/** A redis-server of the caller's own (`.ci/redis.sh start`), which it may restart. */
export const startOwnRedis = async (): Promise<OwnRedis> => {
  const vars = await ciScript('redis.sh', ['start'])
  const { ROTA_TEST_REDIS_URL: url, ROTA_TEST_REDIS_DIR: dir } = vars
  if (url === undefined || dir === undefined) throw new Error('.ci/redis.sh start printed no URL')
  return {
    url,
    dir,
    down: async () => void (await ciScript('redis.sh', ['down', dir])),
    up: async () => void (await ciScript('redis.sh', ['up', dir])),
    destroy: async () => void (await ciScript('redis.sh', ['stop', dir])),
  }
}

/** A PostgreSQL cluster of the caller's own (`.ci/postgres.sh start`), for a benchmark run without one. */
export const startOwnPostgres = async (): Promise<{ url: string; dir: string; destroy(): Promise<void> }> => {
  const { ROTA_TEST_POSTGRES_URL: url, ROTA_TEST_POSTGRES_DIR: dir } = await ciScript('postgres.sh', ['start'])
  if (url === undefined || dir === undefined) throw new Error('.ci/postgres.sh start printed no URL')
  return { url, dir, destroy: async () => void (await ciScript('postgres.sh', ['stop', dir])) }
}

export interface Instance {
  readonly id: string
  readonly pid: number
  readonly port: number
  /** http://127.0.0.1:<port> */
  readonly url: string
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>
  /** SIGKILL: no shutdown, no flush; resolves once the process is gone. */
  kill(): Promise<void>
  /** SIGTERM, the graceful shutdown; resolves once the process is gone. */
  stop(): Promise<void>
  /** The last 64 KB of what the process wrote (its JSON log lines), for failure messages. */
  output(): string
}

interface InstanceOptions {
  id: string
  dataDir: string
  /** More `rota serve` flags. */
  args: string[]
  /** Environment on top of this process's (ROTA_LOG_URL and the like, out of `ps`). */
  env: Record<string, string>
  compiled?: boolean
}

/** NODE_OPTIONS without the `@rota/source` condition, so that bin/rota.js runs the build. */
const compiledNodeOptions = (): string =>
  (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((flag) => flag !== '' && flag !== '--conditions=@rota/source').join(' ')

/** Starts `rota serve` in a child process; resolves once it logs "rota serving". */
const spawnInstance = (options: InstanceOptions): Promise<Instance> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', options.dataDir, '--instance-id', options.id, ...options.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ROTA_LOG_LEVEL: 'info', ...options.env, ...(options.compiled ? { NODE_OPTIONS: compiledNodeOptions() } : {}) },
    })
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
    // A test or benchmark that dies (a timeout, an uncaught error) takes its instances with it, by their pid.
    const orphaned = () => child.kill('SIGKILL')
    process.once('exit', orphaned)
    void exited.then(() => process.off('exit', orphaned))
    const gone = () => exited.then(() => undefined)
    let output = ''
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-64_000))
    child.stderr!.on('data', keep)
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`rota serve ${options.id} did not start within 60 s\n${output.slice(-8_000)}`))
    }, 60_000)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`rota serve ${options.id} exited with ${code}\n${output.slice(-8_000)}`))
    })
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(Buffer.from(`${line}\n`))
      let record: { msg?: string; url?: string }
      try {
        record = JSON.parse(line) as typeof record
      } catch {
        return
      }
      if (record.msg !== 'rota serving' || record.url === undefined) return
      clearTimeout(timer)
      const url = record.url
      resolve({
        id: options.id, pid: child.pid!, port: Number(new URL(url).port), url, exited,
        kill: () => (child.kill('SIGKILL'), gone()),
        stop: () => (child.kill('SIGTERM'), gone()),
        output: () => output,
      })
    })
  })

/** The sum of a metric's samples on an instance's /metrics (0 when absent or unreachable). */
export const metricOf = async (url: string, name: string): Promise<number> => {
  const text = await fetch(`${url}/metrics`).then((r) => r.text()).catch(() => '')
  return text.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
}

export interface ClusterOptions {
  instances: number
  postgresUrl: string
  /** A fresh schema name; `rota migrate` creates it. */
  schema: string
  redisUrl: string
  /** More `rota serve` flags for every instance. */
  args?: string[]
  /** More environment for every instance (ROTA_AUTH_SECRET…). */
  env?: Record<string, string>
  compiled?: boolean
}

export interface Cluster {
  readonly instances: Instance[]
  readonly balancer: Balancer
  /** ws://127.0.0.1:<balancer port> */
  readonly wsUrl: string
  /** The environment that points `rota` (and openPostgresLog) at the shared log. */
  readonly logEnv: Record<string, string>
  /** Starts instance `i` again on its data directory and id (after a kill), and points the balancer at it. */
  restart(i: number): Promise<Instance>
  /** Kills every instance, closes the balancer, drops the schema's data directories (not the schema). */
  close(): Promise<void>
}

export const startCluster = async (options: ClusterOptions): Promise<Cluster> => {
  const logEnv = { ROTA_LOG_URL: options.postgresUrl, ROTA_LOG_SCHEMA: options.schema }
  const errors: string[] = []
  const migrated = await run(['migrate'], { out: () => undefined, err: (line) => errors.push(line) }, logEnv)
  if (migrated !== 0) throw new Error(`rota migrate failed: ${errors.join('\n')}`)
  const root = await mkdtemp(join(tmpdir(), 'rota-multi-'))
  const env = { ...logEnv, ROTA_BUS_URL: options.redisUrl, ...options.env }
  const optionsOf = (i: number): InstanceOptions => ({
    id: `i${i}`, dataDir: join(root, `i${i}`), args: options.args ?? [], env, ...(options.compiled ? { compiled: true } : {}),
  })
  const instances = await Promise.all(Array.from({ length: options.instances }, (_, i) => spawnInstance(optionsOf(i))))
  const balancer = await startBalancer(instances.map((instance) => instance.port))
  return {
    instances,
    balancer,
    wsUrl: `ws://127.0.0.1:${balancer.port}`,
    logEnv,
    restart: async (i) => {
      const instance = await spawnInstance(optionsOf(i))
      instances[i] = instance
      balancer.setBackend(i, instance.port)
      return instance
    },
    close: async () => {
      // The processes first: nothing after may keep them alive.
      await Promise.all(instances.map((instance) => instance.kill()))
      await balancer.close()
      await rm(root, { recursive: true, force: true })
    },
  }
}
