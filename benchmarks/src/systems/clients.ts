import { HocuspocusProvider } from '@hocuspocus/provider'
import { RotaProvider } from '@rota/provider'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import type * as Y from 'yjs'

/** A client connection keeping one Y.Doc in sync with a server, whatever the provider behind it. */
export interface SyncClient {
  readonly doc: Y.Doc
  /** Resolves once the provider reports its first sync with the server. */
  whenSynced(): Promise<void>
  disconnect(): void
  connect(): void
  destroy(): void
  /** Resolves once the server has acknowledged every local edit as durable; only clients that get such acknowledgements have it. */
  whenSaved?(): Promise<void>
}

const SYNC_TIMEOUT_MS = 60_000

/** Rejects if the first sync takes longer than a minute, so a stuck system fails its case instead of the run. */
const bounded = (synced: Promise<void>, what: string): Promise<void> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not sync within ${SYNC_TIMEOUT_MS} ms`)), SYNC_TIMEOUT_MS)
  })
  return Promise.race([synced, timeout]).finally(() => clearTimeout(timer))
}

/** The stock y-websocket client. BroadcastChannel is off: clients in one process must talk through the server. */
export const connectYWebsocket = (url: string, room: string, doc: Y.Doc, params: Record<string, string> = {}): SyncClient => {
  const provider = new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params,
  })
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve()
    else provider.once('sync', () => resolve())
  })
  return {
    doc,
    whenSynced: () => bounded(synced, 'client'),
    disconnect: () => provider.disconnect(),
    connect: () => provider.connect(),
    destroy: () => provider.destroy(),
  }
}

/** The Hocuspocus provider with its defaults. */
export const connectHocuspocus = (url: string, name: string, doc: Y.Doc): SyncClient => {
  // The provider manages its own socket when given a url; WebSocketPolyfill is passed through to it.
  const configuration = { url, name, document: doc, WebSocketPolyfill: WebSocket }
  const provider = new HocuspocusProvider(configuration as ConstructorParameters<typeof HocuspocusProvider>[0])
  const synced = new Promise<void>((resolve) => {
    if (provider.isSynced) resolve()
    else provider.on('synced', () => resolve())
  })
  return {
    doc,
    whenSynced: () => bounded(synced, 'client'),
    disconnect: () => provider.disconnect(),
    connect: () => void provider.connect(),
    destroy: () => provider.destroy(),
  }
}

/** Rota's own provider: durable-save acknowledgements (`?ack=1`), no local persistence, no cross-tab channel. */
export const connectRotaProvider = (url: string, docName: string, doc: Y.Doc): SyncClient => {
  const provider = new RotaProvider(doc, {
    url,
    docName,
    offline: false,
    crossTab: false,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  })
  const synced = provider.whenSynced()
  return {
    doc,
    whenSynced: () => bounded(synced, 'client'),
    disconnect: () => provider.disconnect(),
    connect: () => provider.connect(),
    destroy: () => void provider.destroy(),
    whenSaved: () => provider.whenSaved(),
  }
}
