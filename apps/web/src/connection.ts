/**
 * The editor's link to the server: one Y.Doc, its awareness, and a status the header shows.
 * Everything else in the app talks to this module only, so the transport can change
 * (stock y-websocket today, @rota/provider when it lands) without touching the views.
 */
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { Awareness } from 'y-protocols/awareness'
import * as decoding from 'lib0/decoding'
import { MessageType, readConflictsNotice, UrlParam, type ConflictsNotice } from '@rota/protocol'

export type LinkState = 'connecting' | 'connected' | 'offline' | 'auth-failed'

export interface ConnectionStatus {
  state: LinkState
  /** The first exchange with the server is done (the doc shows the server's state). */
  synced: boolean
  /** Every local edit is durably stored by the server. */
  saved: boolean
  /** Local edits the server does not hold yet (approximate count of transactions). */
  unsyncedChanges: number
  /** Local state has been loaded from IndexedDB. */
  localLoaded: boolean
}

export interface Connection {
  readonly doc: Y.Doc
  readonly awareness: Awareness
  readonly docName: string
  status(): ConnectionStatus
  onStatus(listener: (status: ConnectionStatus) => void): () => void
  onConflictsNotice(listener: (notice: ConflictsNotice) => void): () => void
  /** Resolves once the local copy (IndexedDB) is loaded; the view can render it at once. */
  whenLocalLoaded: Promise<void>
  destroy(): void
}

export interface ConnectOptions {
  /** Base WebSocket URL, e.g. ws://127.0.0.1:1234 */
  wsUrl: string
  docName: string
  token?: string | null
}

/** Where the offline copy of a document lives in IndexedDB, one per server and document. */
export const localStoreName = (wsUrl: string, docName: string): string => `rota:${new URL(wsUrl).host}:${docName}`

export const connect = (options: ConnectOptions): Connection => {
  const doc = new Y.Doc()
  const local = new IndexeddbPersistence(localStoreName(options.wsUrl, options.docName), doc)
  const params: Record<string, string> = {}
  if (options.token) params[UrlParam.Token] = options.token
  // The document name is one path segment per the server's contract; slashes are kept.
  const provider = new WebsocketProvider(options.wsUrl, encodeURIComponent(options.docName).replaceAll('%2F', '/'), doc, { params })

  const statusListeners = new Set<(status: ConnectionStatus) => void>()
  const noticeListeners = new Set<(notice: ConflictsNotice) => void>()
  let state: LinkState = 'connecting'
  let localLoaded = false
  let pending = 0

  const current = (): ConnectionStatus => ({
    state,
    synced: provider.synced,
    saved: state === 'connected' && provider.synced && pending === 0,
    unsyncedChanges: pending,
    localLoaded,
  })
  const emit = (): void => {
    const s = current()
    for (const listener of statusListeners) listener(s)
  }

  provider.on('status', ({ status }) => {
    state = status === 'connected' ? 'connected' : status === 'connecting' ? (state === 'offline' ? 'offline' : 'connecting') : 'offline'
    emit()
  })
  provider.on('closed', (event) => {
    if (event.code === 4401 || event.code === 4403) state = 'auth-failed'
    emit()
  })
  provider.on('sync', (isSynced) => {
    if (isSynced && state === 'connected') pending = 0
    emit()
  })
  doc.on('update', (_update: Uint8Array, origin: unknown) => {
    if (origin === provider || origin === local) return
    if (!(state === 'connected' && provider.synced)) pending++
    emit()
  })
  provider.messageHandlers[MessageType.RotaConflicts] = (_encoder, decoder: decoding.Decoder) => {
    const notice = readConflictsNotice(decoder)
    for (const listener of noticeListeners) listener(notice)
  }

  const whenLocalLoaded = local.whenSynced.then(() => {
    localLoaded = true
    emit()
  })

  return {
    doc,
    awareness: provider.awareness,
    docName: options.docName,
    status: current,
    onStatus: (listener) => {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },
    onConflictsNotice: (listener) => {
      noticeListeners.add(listener)
      return () => noticeListeners.delete(listener)
    },
    whenLocalLoaded,
    destroy: () => {
      provider.destroy()
      void local.destroy()
      doc.destroy()
    },
  }
}
