/** Helpers for this package's tests: a scripted HTTP receiver, a hand-moved clock, a server with publish and webhooks. */
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAuth, createMemoryRoleRulesStore, loadRoleRulesCache, mintToken, type Identity } from '@rota/auth'
import { openLevelLog } from '@rota/log-leveldb'
import { publishExtension } from '@rota/publish'
import { roleRulesExtension, startServer, type RotaServer } from '@rota/server'
import { createWebhooks, type WebhooksHandle, type WebhooksOptions } from './extension.ts'
import type { Scheduler } from './scheduler.ts'

export const secret = 'webhooks-test-secret-webhooks-test-secret-01'

export const tempDir = (): { dir: string; remove(): void } => {
  const dir = mkdtempSync(join(tmpdir(), 'rota-webhooks-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

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

export interface Received {
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

export interface WebhookServer {
  server: RotaServer
  handle: WebhooksHandle
  close(): Promise<void>
}

/** A server as `rota serve` runs it, with publishing feeding webhooks; log, publish and webhooks stores in `dir`. */
export const startWebhookServer = async (dir: string, options: Omit<WebhooksOptions, 'dir' | 'onReady'> = {}, now?: () => number): Promise<WebhookServer> => {
  const log = await openLevelLog({ dir: join(dir, 'log') })
  const rules = await loadRoleRulesCache(createMemoryRoleRulesStore())
  const webhooks = createWebhooks({ allowPrivateAddresses: true, ...options, dir: join(dir, 'webhooks'), onReady: (h) => (handle = h) })
  let handle: WebhooksHandle | undefined
  const server = await startServer({
    log,
    logger: false,
    hooks: createAuth({ secret }, { rules }),
    extensions: [
      roleRulesExtension({ cache: rules }),
      webhooks.extension,
      publishExtension({ dir: join(dir, 'publish'), onEvent: webhooks.publishListener, ...(now === undefined ? {} : { now }) }),
    ],
  })
  return {
    server,
    handle: handle as WebhooksHandle,
    close: async () => {
      await server.close()
      await log.close()
    },
  }
}

export const token = (claims: Partial<Identity>): Promise<string> => mintToken({ secret, allowPublicOpen: false }, claims, { expiresIn: 600 })

export interface Answer<T = Record<string, unknown>> { status: number; body: T }

/** One JSON request with a bearer token. */
export const call = async <T = Record<string, unknown>>(server: RotaServer, method: string, path: string, bearer: string, body?: unknown): Promise<Answer<T>> => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as T }
}
