import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { BENCHMARKS_DIR } from '../proc/child.ts'
import { readProcessStats, type ProcessStats } from '../proc/stats.ts'
import type { Command, Request, Response } from './protocol.ts'

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))

/** One client process, spoken to by request and reply. */
export interface ClientProcess {
  readonly pid: number
  request<T = unknown>(command: Command, timeoutMs?: number): Promise<T>
  stats(): Promise<ProcessStats>
  close(): Promise<void>
}

const DEFAULT_TIMEOUT_MS = 120_000

export const startClientProcess = (): ClientProcess => {
  const child: ChildProcess = fork(WORKER, [], {
    cwd: BENCHMARKS_DIR,
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let nextId = 0
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }
  child.on('message', (message: Response) => {
    const p = pending.get(message.id)
    if (p === undefined) return
    pending.delete(message.id)
    if (message.reply.ok) p.resolve(message.reply.value)
    else p.reject(new Error(message.reply.error))
  })
  child.once('exit', (code, signal) => failAll(new Error(`client process exited (code ${code}, signal ${signal})`)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    pid: child.pid!,
    request: <T>(command: Command, timeoutMs = DEFAULT_TIMEOUT_MS) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`client process did not answer '${command.cmd}' within ${timeoutMs} ms`))
        }, timeoutMs)
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer)
            resolve(value as T)
          },
          reject: (error) => {
            clearTimeout(timer)
            reject(error)
          },
        })
        child.send({ id, command } satisfies Request)
      }),
    stats: () => readProcessStats(child.pid!),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.send({ id: nextId++, command: { cmd: 'close' } } satisfies Request)
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}
