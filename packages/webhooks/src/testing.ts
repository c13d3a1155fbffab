/** Helpers for this package's tests: a scripted HTTP receiver, a hand-moved clock, a server with publish and webhooks (on @rota/publish's test server). */
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { publishExtension } from '@rota/publish'
import { startTestServer, tempDir as sharedTempDir, type TestServer } from '@rota/publish/testing'
import { createWebhooks, type WebhooksHandle, type WebhooksOptions } from './extension.ts'
import type { Scheduler } from './scheduler.ts'

export { call, token } from '@rota/publish/testing'

export const tempDir = (): { dir: string; remove(): void } => sharedTempDir('rota-webhooks-')

/** A clock that moves only when told: `advance` fires the wake-ups that came due. */
export interface ManualScheduler extends Scheduler {
  advance(ms: number): void
  /** The wake-ups asked for and not yet fired or cancelled. */
  pending(): number[]
}

export const manualScheduler = (start: number): ManualScheduler => {
  let now = start
  const wakes = new Set<{ time: number; fn: () => void }>()
  return {
    now: () => now,
    at: (time, fn) => {
      const wake = { time, fn }
      wakes.add(wake)
      return () => wakes.delete(wake)
    },
    advance(ms) {
      now += ms
      for (const wake of [...wakes].filter((w) => w.time <= now)) {
        wakes.delete(wake)
        wake.fn()
      }
    },
    pending: () => [...wakes].map((w) => w.time),
  }
}

/** How the receiver answers a request: a status, dropping the connection, or never answering. */
export type Behaviour = number | 'close' | 'hang'

interface Received {
  headers: IncomingHttpHeaders
  body: string
  /** What the receiver answered. */
  answered: Behaviour
}

export interface Receiver {
  url: string
  received: Received[]
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number): Promise<Received[]>
  close(): Promise<void>
}

/**
 * An HTTP receiver on 127.0.0.1 port 0 that answers each request with the next behaviour of `script` (the last
 * one once the script is used up), or with what `answer` decides (a verifying receiver).
 */
export const startReceiver = async (script: Behaviour[] = [200], answer?: (r: { headers: IncomingHttpHeaders; body: string }) => number): Promise<Receiver> => {
  const received: Received[] = []
  const sockets = new Set<Socket>()
  const hanging = new Set<ServerResponse>()
  const waiters = new Set<() => void>()
  let n = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const answered: Behaviour = answer?.({ headers: req.headers, body }) ?? script[Math.min(n, script.length - 1)] ?? 200
      n++
      received.push({ headers: req.headers, body, answered })
      for (const w of waiters) w()
      if (answered === 'close') req.socket.destroy()
      else if (answered === 'hang') hanging.add(res)
      else res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'no')
    })
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    waitFor: (count) => new Promise((resolve) => {
      const check = () => {
        if (received.length < count) return
        waiters.delete(check)
        resolve(received.slice(0, count))
      }
      waiters.add(check)
      check()
    }),
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export interface WebhookServer extends TestServer {
  handle: WebhooksHandle
}

/** A server as `rota serve` runs it, with publishing feeding webhooks; log, publish and webhooks stores in `dir`. */
export const startWebhookServer = async (dir: string, options: Omit<WebhooksOptions, 'dir' | 'onReady'> = {}, now?: () => number): Promise<WebhookServer> => {
  let handle: WebhooksHandle | undefined
  const webhooks = createWebhooks({ allowPrivateAddresses: true, ...options, dir: join(dir, 'webhooks'), onReady: (h) => (handle = h) })
  const started = await startTestServer(dir, [
    webhooks.extension,
    publishExtension({ dir: join(dir, 'publish'), onEvent: webhooks.publishListener, ...(now === undefined ? {} : { now }) }),
  ])
  return { ...started, handle: handle as WebhooksHandle }
}
