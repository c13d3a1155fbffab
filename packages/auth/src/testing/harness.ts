/** Real servers with @rota/auth on 127.0.0.1 port 0, stock y-websocket clients and raw sockets, for this package's tests. */
import * as Y from 'yjs'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import { SignJWT } from 'jose'
import { startServer, type RotaServer, type ServerOptions } from '@rota/server'
import { createMemoryLog } from '@rota/log'
import { createAuth, type RotaAuth } from '../createAuth.ts'
import type { Identity } from '../types.ts'

const testSecret = 'rota-test-secret-rota-test-secret-0123456789'

/** A signed HS256 token for these claims, valid for ten minutes unless `exp` says otherwise. */
export const mint = async (claims: Partial<Identity> & { exp?: number; nbf?: number }, secret = testSecret): Promise<string> => {
  const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt()
  if (claims.exp === undefined) jwt.setExpirationTime('10m')
  return jwt.sign(new TextEncoder().encode(secret))
}

export interface AuthServer {
  server: RotaServer
  auth: RotaAuth
  close(): Promise<void>
}

export const startAuthServer = async (options: Partial<ServerOptions> = {}): Promise<AuthServer> => {
  const auth = createAuth({ secret: testSecret })
  const log = options.log ?? createMemoryLog()
  const server = await startServer({ logger: false, ...options, log, hooks: auth })
  return {
    server,
    auth,
    close: async () => {
      await server.close()
      await log.close()
    },
  }
}

/** Polls until `check` holds; fails after `timeoutMs` (a bound, not a timing assertion). */
export const waitFor = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export interface StockClient {
  doc: Y.Doc
  provider: WebsocketProvider
  /** Every binary frame this client sent and received, in order (real y-websocket traffic). */
  traffic: Uint8Array[]
  synced(): Promise<void>
  destroy(): void
}

/** A stock y-websocket client (`ws` underneath), token in the URL, recording its traffic. */
export const connectStock = (wsUrl: string, docName: string, token: string | undefined, doc = new Y.Doc()): StockClient => {
  const traffic: Uint8Array[] = []
  class RecordingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      this.on('message', (data: Buffer) => traffic.push(new Uint8Array(data)))
    }

    override send(data: unknown, ...rest: unknown[]): void {
      if (data instanceof Uint8Array) traffic.push(new Uint8Array(data))
      ;(super.send as (...args: unknown[]) => void)(data, ...rest)
    }
  }
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: RecordingWebSocket as unknown as typeof globalThis.WebSocket,
    params: token === undefined ? {} : { token },
    disableBc: true,
    maxBackoffTime: 200,
  })
  return {
    doc,
    provider,
    traffic,
    synced: () => waitFor(() => provider.synced, `${docName} to sync`),
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

export interface RawSocket {
  ws: WebSocket
  messages: Uint8Array[]
  closed: Promise<{ code: number; reason: string }>
  isClosed(): boolean
}

/** A plain `ws` connection to a document, recording what the server sends and how it closes. */
export const connectRaw = async (wsUrl: string, docName: string, token?: string): Promise<RawSocket> => {
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`
  const ws = new WebSocket(`${wsUrl}/${docName.split('/').map(encodeURIComponent).join('/')}${query}`)
  ws.binaryType = 'nodebuffer'
  const messages: Uint8Array[] = []
  let isClosed = false
  ws.on('message', (data: Buffer) => messages.push(new Uint8Array(data)))
  ws.on('error', () => undefined)
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      isClosed = true
      resolve({ code, reason: reason.toString() })
    }),
  )
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve())
    ws.once('close', () => resolve())
  })
  return { ws, messages, closed, isClosed: () => isClosed }
}
