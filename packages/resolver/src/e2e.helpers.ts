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
  authorizeUpdate: () => ({ ok: true }),
  authorizeOps: () => ({ ok: true }),
  canAdmin: (identity) => identity.role === 'admin' || identity.role === 'manager',
}

/**
 * Watches what stock clients send: the state vector of each connection's SyncStep1, keyed by the bytes
 * of the SyncStep2 (sync reply) that follows it. The server stores updates byte for byte, so the
 * resolver can look an update up. Stands in for the server attaching the vector itself.
 */
export class SyncTap {
  private readonly byUpdate = new Map<string, Uint8Array>()

  readonly WebSocket: typeof WebSocket

  constructor() {
    const byUpdate = this.byUpdate
    this.WebSocket = class TappedWebSocket extends WebSocket {
      private stateVector: Uint8Array | undefined
      override send(data: unknown, ...rest: unknown[]): void {
        if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
          const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data
          try {
            const decoder = decoding.createDecoder(bytes)
            if (decoding.readVarUint(decoder) === MessageType.Sync) {
              const step = decoding.readVarUint(decoder)
              const payload = decoding.readVarUint8Array(decoder)
              if (step === 0) this.stateVector = payload
              else if (step === 1 && this.stateVector) byUpdate.set(Buffer.from(payload).toString('base64'), this.stateVector)
            }
          } catch {
            // not a sync message
          }
        }
        ;(super.send as (...args: unknown[]) => void)(data, ...rest)
      }
    }
  }

  lookup = (event: { update: Uint8Array }): Uint8Array | undefined => this.byUpdate.get(Buffer.from(event.update).toString('base64'))
}

export interface Editor {
  doc: Y.Doc
  provider: WebsocketProvider
  notices: ConflictsNotice[]
  /** Reconnects, declaring when the offline edits were made (the `clientTime` URL parameter). */
  connect(clientTime?: number): Promise<void>
  disconnect(): void
  destroy(): void
}

export const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A stock y-websocket client (WebsocketProvider over `ws`) that also records RotaConflicts notices. */
export const editor = (wsUrl: string, docName: string, token: string, tap?: SyncTap): Editor => {
  const doc = new Y.Doc()
  const notices: ConflictsNotice[] = []
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: (tap?.WebSocket ?? WebSocket) as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
    connect: false,
    maxBackoffTime: 200,
  })
  provider.messageHandlers[MessageType.RotaConflicts] = (_encoder, decoder: decoding.Decoder) => {
    notices.push(readConflictsNotice(decoder))
  }
  return {
    doc, provider, notices,
    async connect(clientTime) {
      provider.params = { token, ...(clientTime === undefined ? {} : { clientTime: new Date(clientTime).toISOString() }) }
      provider.connect()
      await waitFor(() => provider.synced && provider.wsconnected, 5000, 'sync')
    },
    disconnect: () => provider.disconnect(),
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}
