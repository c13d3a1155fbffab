/**
 * The editor's link to the server: one Y.Doc, its awareness, and a status the header shows.
 * Everything else in the app talks to this module only; @rota/provider does the work
 * (reconnects, IndexedDB copy, "saved" from the server's durability acknowledgements).
 */
import * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type { ConflictsNotice, InboxNotice } from '@rota/protocol'
import { RotaProvider, type Denial, type ProviderState } from '@rota/provider'

export interface ConnectionStatus {
  state: 'connecting' | 'connected' | 'offline' | 'auth-failed'
  /** The first exchange with the server is done (the doc shows the server's state). */
  synced: boolean
  /** Every local edit is durably stored by the server. */
  saved: boolean
  /** Local changes the server has not confirmed as durable. */
  unsyncedChanges: number
  /** The local copy (IndexedDB) has loaded. */
  localLoaded: boolean
}

export interface Connection {
  readonly doc: Y.Doc
  readonly awareness: Awareness
  readonly docName: string
  status(): ConnectionStatus
  onStatus(listener: (status: ConnectionStatus) => void): () => void
  onConflictsNotice(listener: (notice: ConflictsNotice) => void): () => void
  /** Inboxes of some of the document's people got items (RotaInbox): refetch yours if you are named. */
  onInboxNotice(listener: (notice: InboxNotice) => void): () => void
  /** The server did not accept a change of this editor's (it shows the server's value again; the rest is saved). */
  onDenied(listener: (denial: Denial) => void): () => void
  setToken(token: string | null): void
  destroy(): void
}

export interface ConnectOptions {
  /** Server URL, e.g. ws://127.0.0.1:1234 */
  url: string
  docName: string
  token?: string | null
}

const toStatus = (state: ProviderState): ConnectionStatus => ({
  state: state.status,
  synced: state.synced,
  saved: state.saved,
  unsyncedChanges: state.unsyncedChanges,
  localLoaded: state.loaded,
})

export const connect = (options: ConnectOptions): Connection => {
  const doc = new Y.Doc()
  const provider = new RotaProvider(doc, {
    url: options.url,
    docName: options.docName,
    ...(options.token ? { token: options.token } : {}),
  })
  return {
    doc,
    awareness: provider.awareness,
    docName: options.docName,
    status: () => toStatus(provider.state),
    onStatus: (listener) => {
      const onChange = (state: ProviderState): void => listener(toStatus(state))
      provider.on('change', onChange)
      return () => provider.off('change', onChange)
    },
    onConflictsNotice: (listener) => {
      provider.on('conflicts', listener)
      return () => provider.off('conflicts', listener)
    },
    onInboxNotice: (listener) => {
      provider.on('inbox', listener)
      return () => provider.off('inbox', listener)
    },
    onDenied: (listener) => {
      provider.on('denied', listener)
      return () => provider.off('denied', listener)
    },
    setToken: (token) => provider.setToken(token ?? undefined),
    destroy: () => {
      void provider.destroy().finally(() => doc.destroy())
    },
  }
}
