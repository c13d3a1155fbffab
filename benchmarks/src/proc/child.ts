import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { readProcessStats, type ProcessStats } from './stats.ts'

export const BENCHMARKS_DIR = fileURLToPath(new URL('../..', import.meta.url))

/** A server running in its own process. */
export interface ServerProcess {
  readonly pid: number
  readonly port: number
  stats(): Promise<ProcessStats>
  /** SIGTERM, as an operator would stop it; resolves when the process has exited. */
  stop(): Promise<void>
  /** SIGKILL: the process gets no chance to flush anything. */
  kill(): Promise<void>
}

export interface SpawnServerOptions {
  command: string
  args: string[]
  env?: Record<string, string>
  /** Extracts the listening port from one line of the child's output, once it is ready. */
  readyPort(line: string): number | undefined
  timeoutMs?: number
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()))

/** Starts a server process and resolves once it reports its port. Its output is kept for error messages. */
export const spawnServer = (options: SpawnServerOptions): Promise<ServerProcess> => {
  const child = spawn(options.command, options.args, {
    cwd: BENCHMARKS_DIR,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`server did not start within ${options.timeoutMs ?? 20_000} ms`)), options.timeoutMs ?? 20_000)
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${error.message}\n${output.slice(-2000)}`))
    }
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      output = (output + text).slice(-20_000)
      for (const line of text.split('\n')) {
        const port = options.readyPort(line)
        if (port === undefined) continue
        clearTimeout(timer)
        const pid = child.pid!
        resolve({
          pid,
          port,
          stats: () => readProcessStats(pid),
          stop: async () => {
            child.kill('SIGTERM')
            await exited(child)
          },
          kill: async () => {
            child.kill('SIGKILL')
            await exited(child)
          },
        })
        return
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('error', fail)
    child.once('exit', (code, signal) => fail(new Error(`server exited early (code ${code}, signal ${signal})`)))
  })
}

/**
 * Resolves once the server has used less than `maxShare` of a core (2 % unless told) for `idleMs` (it has finished
 * writing what it queued), or after `timeoutMs`; returns how long it waited and whether it became idle.
 */
export const waitForIdle = async (server: ServerProcess, idleMs: number, timeoutMs: number, maxShare = 0.02): Promise<{ ms: number; idle: boolean }> => {
  const start = performance.now()
  const samples: Array<{ at: number; cpuMs: number }> = []
  while (performance.now() - start < timeoutMs) {
    samples.push({ at: performance.now(), cpuMs: (await server.stats()).cpuMs })
    const last = samples[samples.length - 1]!
    const windowStart = samples.findLast((s) => last.at - s.at >= idleMs)
    if (windowStart !== undefined && last.cpuMs - windowStart.cpuMs <= idleMs * maxShare) return { ms: performance.now() - start, idle: true }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { ms: performance.now() - start, idle: false }
}

/** `node --import tsx <entry>`: runs one of this package's TypeScript server entries in a child process. */
export const tsxEntry = (entry: string): { command: string; args: string[] } => ({
  command: process.execPath,
  args: ['--import', 'tsx', fileURLToPath(new URL(`../servers/${entry}`, import.meta.url))],
})

/**
 * A plain JavaScript server entry run by plain `node`, resolving packages to their builds (dist/): the
 * `@rota/source` condition that the workspace's scripts set is taken out of NODE_OPTIONS for it. The builds
 * are brought up to date first, once per run (`tsc -b`, about a second when nothing changed), so that what is
 * measured is the code of this checkout, compiled as `npm start` compiles it.
 */
export const compiledEntry = (entry: string): { command: string; args: string[]; env: Record<string, string> } => {
  ensureCompiled()
  const options = (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((flag) => flag !== '' && flag !== '--conditions=@rota/source')
  return { command: process.execPath, args: [fileURLToPath(new URL(`../servers/${entry}`, import.meta.url))], env: { NODE_OPTIONS: options.join(' ') } }
}

let compiled = false
const ensureCompiled = (): void => {
  if (compiled) return
  const script = fileURLToPath(new URL('../../../apps/rota/scripts/build-server.mjs', import.meta.url))
  const result = spawnSync(process.execPath, [script], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) throw new Error(`building the server failed (exit ${result.status}): run npm run build`)
  compiled = true
}

/** The line a server entry prints once it listens. */
export const READY_PREFIX = 'BENCH_SERVER_READY '
export const parseReadyLine = (line: string): number | undefined =>
  line.startsWith(READY_PREFIX) ? Number(line.slice(READY_PREFIX.length).trim()) : undefined
