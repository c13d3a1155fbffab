/** Runs `rota serve` in a child process for tests that need to kill it. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

const bin = fileURLToPath(new URL('../bin/rota.js', import.meta.url))

export interface ServeProcess {
  child: ChildProcess
  url: string
  wsUrl: string
  /** Resolves with the exit code (or null after a signal). */
  exited: Promise<number | null>
}

export const spawnServe = (dataDir: string, extraArgs: string[] = []): Promise<ServeProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ROTA_LOG_LEVEL: 'info' },
    })
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`rota serve did not start in time\n${stderr}`))
    }, 60_000)
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`rota serve exited with ${code}\n${stderr}`))
    })
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const record = JSON.parse(line) as { msg?: string; url?: string }
        if (record.msg === 'rota serving' && record.url !== undefined) {
          clearTimeout(timer)
          resolve({ child, url: record.url, wsUrl: record.url.replace(/^http/, 'ws'), exited })
        }
      } catch {
        // not a log line
      }
    })
  })
