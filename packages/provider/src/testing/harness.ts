/** Test helpers: a real Rota server on 127.0.0.1, TCP proxies that cut links, bounded waiting. */
import { createServer, connect, type Server, type Socket } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import WebSocket from 'ws'
import type { UpdateLog } from '@rota/log'
import { openLevelLog } from '@rota/log-leveldb'
import { startServer, type RotaServer } from '@rota/server'
import { RotaProvider, type RotaProviderOptions } from '../provider.ts'

const NodeWebSocket = WebSocket as unknown as typeof globalThis.WebSocket

/** Short delays so tests do not wait long; the schedule itself is tested with fake timers. */
const quickBackoff = { initialDelay: 50, factor: 1.5, maxDelay: 250, jitter: 0.2 }

/** Polls until `check` holds; throws after `timeoutMs` (a bound, not a timing assertion). */
export const waitFor = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const tempDir = (name: string): Promise<string> => mkdtemp(join(tmpdir(), `rota-provider-${name}-`))
export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true })

/** A Rota server on a LevelDB log in `dir` that can be stopped and started again on the same port. */
export interface RestartableServer {
  readonly server: RotaServer
  readonly log: UpdateLog
  readonly port: number
  stop(): Promise<void>
  start(): Promise<void>
}

export const startLevelServer = async (dir: string, options: { webRoot?: string } = {}): Promise<RestartableServer> => {
  let log: UpdateLog = await openLevelLog({ dir })
  let server = await startServer({ log, logger: false, ...options })
  let running = true
  const port = Number(new URL(server.url).port)
  return {
    get server() {
      return server
    },
    get log() {
      return log
    },
    port,
    async stop() {
      if (!running) return
      running = false
      await server.close()
      await log.close()
    },
    async start() {
      if (running) return
      log = await openLevelLog({ dir })
      server = await startServer({ log, logger: false, port, ...options })
      running = true
    },
  }
}

/** The document as the server's log has it: every entry applied in order. */
export const docFromLog = async (log: UpdateLog, docName: string): Promise<Y.Doc> => {
  const doc = new Y.Doc()
  for await (const entry of log.read(docName)) Y.applyUpdate(doc, entry.update)
  return doc
}

/**
 * A TCP proxy in front of the server: `cut()` kills the live connections and refuses new ones
 * (what a client sees when its network goes away), `restore()` lets them through again.
 */
export interface LinkProxy {
  readonly port: number
  readonly url: string
  cut(): void
  restore(): void
  close(): Promise<void>
}

export const startProxy = async (targetPort: number): Promise<LinkProxy> => {
  const sockets = new Set<Socket>()
  let open = true
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy()
      return
    }
    const upstream = connect(targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    const end = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  return {
    port: address.port,
    url: `ws://127.0.0.1:${address.port}`,
    cut() {
      open = false
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    },
    restore() {
      open = true
    },
    close() {
      open = false
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** A Node provider with test-friendly defaults (no BroadcastChannel: all clients share one process). */
export const nodeProvider = (url: string, docName: string, options: Partial<RotaProviderOptions> = {}, doc = new Y.Doc()): RotaProvider =>
  new RotaProvider(doc, {
    url,
    docName,
    offline: false,
    crossTab: false,
    backoff: quickBackoff,
    WebSocketPolyfill: NodeWebSocket,
    ...options,
  })

export const settled = (providers: RotaProvider[]): boolean =>
  providers.every((p) => p.state.status === 'connected' && p.state.synced && p.state.saved)

/** JSON with object keys sorted: two replicas list map keys in different orders. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  )

/** The content of the named root maps (a Y.Doc's own toJSON lists only the roots it has seen used). */
export const contentOf = (doc: Y.Doc, roots: string[] = ['shifts']): string =>
  canonical(Object.fromEntries(roots.map((root) => [root, doc.getMap(root).toJSON()])))

export const sameContent = (docs: Y.Doc[], roots?: string[]): boolean => {
  const [first, ...rest] = docs.map((doc) => contentOf(doc, roots))
  return rest.every((json) => json === first)
}
