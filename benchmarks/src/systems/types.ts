import type * as Y from 'yjs'
import type { ServerProcess } from '../proc/child.ts'
import type { SyncClient } from './clients.ts'

export type SystemId = 'y-websocket-server' | 'hocuspocus' | 'hocuspocus-store-every-change' | 'rota' | 'rota-provider' | 'rota-provider-large-messages'
  | 'rota-no-resolver'

/**
 * One system measured: a server started the way its docs say, in its own process, and the client its users use.
 * Adapters know how to start, connect and describe; scenarios know nothing system-specific.
 */
export interface System {
  readonly id: SystemId
  /** Server and client, with versions. */
  readonly label: string
  /** Which server implementation runs (two systems may share one, with different clients). */
  readonly server: 'y-websocket-server' | 'hocuspocus' | 'rota'
  /** What the server guarantees about an edit once clients have seen it, as configured for the measurement. */
  readonly durability: string
  readonly isRota: boolean
  /** How long the server keeps a document loaded after its last client left, as configured (documented default). */
  readonly unloadAfterMs: number
  /** How long an open document nobody uses takes at most to drop to its idle footprint (Rota's hibernation); 0: never changes. */
  readonly hibernateAfterMs: number
  start(dataDir: string): Promise<ServerProcess>
  /** A client for `docName`; `url` is ws://127.0.0.1:<port> (usually the counting proxy in front of the server). */
  connect(url: string, docName: string, doc: Y.Doc): SyncClient
}
