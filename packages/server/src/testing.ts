/** Helpers for the server's tests: real servers on 127.0.0.1 port 0, stock y-websocket clients. */
import { afterEach } from 'vitest'
import * as Y from 'yjs'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import { createMemoryLog, type UpdateLog } from '@rota/log'
import { startServer } from './server.ts'
import type { RotaServer, ServerOptions } from './types.ts'

export const startTestServer = (options: Partial<ServerOptions> = {}): Promise<RotaServer> =>
  startServer({ log: options.log ?? createMemoryLog(), logger: false, ...options })

/**
 * For a test file: after each test, undoes what the test registered, newest first — `track` closes a server or
 * destroys a client and returns it; anything else goes straight into `cleanup`.
 */
export const cleanupAfterEach = () => {
  const cleanup: Array<() => unknown> = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })
  const track = <T extends TestClient | RotaServer>(thing: T): T => {
    cleanup.push('provider' in thing ? () => thing.destroy() : () => thing.close())
    return thing
  }
  return { cleanup, track }
}

export interface TestClient {
  doc: Y.Doc
  provider: WebsocketProvider
  destroy(): void
}

/** A stock y-websocket client in Node, `ws` as the WebSocket implementation. */
export const connectClient = (
  server: { wsUrl: string },
  docName: string,
  options: { params?: Record<string, string>; doc?: Y.Doc } = {},
): TestClient => {
  const doc = options.doc ?? new Y.Doc()
  const provider = new WebsocketProvider(server.wsUrl, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: options.params ?? {},
    disableBc: true,
    maxBackoffTime: 200,
  })
  return {
    doc,
    provider,
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

/** Polls until `check` holds; fails after `timeoutMs` (a bound, not a timing assertion). */
export const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const whenSynced = (client: TestClient): Promise<void> => waitFor(() => client.provider.synced, 30_000, 'sync')

/** Reads every entry of a document. */
export const readAll = async (log: UpdateLog, doc: string) => {
  const entries = []
  for await (const entry of log.read(doc)) entries.push(entry)
  return entries
}

/** A raw `ws` client that records every message and the close frame. */
export interface RawClient {
  ws: WebSocket
  messages: Uint8Array[]
  closed: Promise<{ code: number; reason: string }>
  send(bytes: Uint8Array | number[]): void
  /** Waits for the first message (from `from` on) that matches. */
  next(match: (message: Uint8Array) => boolean, from?: number): Promise<Uint8Array>
}

export const connectRaw = async (server: { wsUrl: string }, path: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> => {
  const ws = new WebSocket(`${server.wsUrl}/${path}`, options)
  const messages: Uint8Array[] = []
  ws.binaryType = 'nodebuffer'
  ws.on('message', (data: Buffer) => messages.push(new Uint8Array(data)))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  ws.on('error', () => undefined)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return {
    ws,
    messages,
    closed,
    send: (bytes) => ws.send(Uint8Array.from(bytes)),
    async next(match, from = 0) {
      let found: Uint8Array | undefined
      await waitFor(() => (found = messages.slice(from).find(match)) !== undefined, 30_000, 'message')
      return found as Uint8Array
    },
  }
}
