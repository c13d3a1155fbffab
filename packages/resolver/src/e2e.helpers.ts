import * as Y from 'yjs'
import WebSocket from 'ws'
import * as decoding from 'lib0/decoding'
import { WebsocketProvider } from 'y-websocket'
import { MessageType, readConflictsNotice, type ConflictsNotice } from '@rota/protocol'
import type { AuthHooks, Identity, Role } from '@rota/server'

/**
 * Test identity: the token is `sub:role:tenant` (no signature — tests only). It lets end-to-end tests
 * and the evaluation act as several editors of several teams against one real server.
 */
export const tokenOf = (sub: string, role: Role, tenant: string): string => `${sub}:${role}:${tenant}`

export const testAuthHooks: AuthHooks = {
  authenticate: async (token) => {
    const [sub, role, tenant] = (token ?? '').split(':')
    if (!sub || !role || !tenant) throw Object.assign(new Error('missing token'), { code: 'ROTA_AUTH_MISSING' })
    return { sub, role: role as Role, tenant } satisfies Identity
  },
  canRead: (identity, doc) => identity.tenant === null || doc.startsWith(`${identity.tenant}/`),
  listPrefix: (identity) => (identity.tenant === null ? undefined : `${identity.tenant}/`),
  authorizeChanges: (_identity, _facts, changes) => changes.map(() => ({ ok: true })),
  authorizeOps: () => ({ ok: true }),
  // Managers and admins; leads too for deciding conflicts (@rota/auth's adminActionRoles).
  canAdmin: (identity, action) => identity.role === 'admin' || identity.role === 'manager' || (action === 'conflicts' && identity.role === 'lead'),
}

export interface Editor {
  doc: Y.Doc
  provider: WebsocketProvider
  notices: ConflictsNotice[]
  /** Reconnects, declaring when the offline edits were made (the `clientTime` URL parameter). */
  connect(clientTime?: number): Promise<void>
  /** Disconnects and waits until the socket is closed, so a following connect() opens a fresh session. */
  disconnect(): Promise<void>
  destroy(): void
}

export const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * A y-websocket client (WebsocketProvider over `ws`) that speaks Rota: it opens with `ack=1`, which is how a client
 * asks for Rota's messages, records RotaConflicts notices and ignores the others (acknowledgements, denials).
 */
export const editor = (wsUrl: string, docName: string, token: string): Editor => {
  const doc = new Y.Doc()
  const notices: ConflictsNotice[] = []
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token, ack: '1' },
    disableBc: true,
    connect: false,
    maxBackoffTime: 200,
  })
  provider.messageHandlers[MessageType.RotaConflicts] = (_encoder, decoder: decoding.Decoder) => {
    notices.push(readConflictsNotice(decoder))
  }
  provider.messageHandlers[MessageType.RotaDurable] = () => undefined
  provider.messageHandlers[MessageType.RotaDenied] = () => undefined
  return {
    doc, provider, notices,
    async connect(clientTime) {
      provider.params = { token, ack: '1', ...(clientTime === undefined ? {} : { clientTime: new Date(clientTime).toISOString() }) }
      if (provider.ws !== null) throw new Error('connect() while a socket is open: await disconnect() first')
      provider.connect()
      await waitFor(() => provider.synced && provider.wsconnected, 5000, 'sync')
    },
    async disconnect() {
      provider.disconnect()
      await waitFor(() => provider.ws === null, 5000, 'socket closed')
    },
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

export interface StockClient {
  doc: Y.Doc
  provider: WebsocketProvider
  /** The type (first varuint) of every message received, in order. */
  types: number[]
  destroy(): void
}

/**
 * A stock y-websocket client, as any Yjs app has it: no `ack=1`, no handlers for Rota's types (it would log
 * "Unable to compute message" for each one it got). Records the type of every message it receives.
 */
export const stockClient = (wsUrl: string, docName: string, token: string): StockClient => {
  const types: number[] = []
  class Recording extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      this.on('message', (data: Buffer) => types.push(decoding.readVarUint(decoding.createDecoder(new Uint8Array(data)))))
    }
  }
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: Recording as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
    maxBackoffTime: 200,
  })
  return {
    doc, provider, types,
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}
