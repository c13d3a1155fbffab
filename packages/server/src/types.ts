import type * as Y from 'yjs'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { DestinationStream, LoggerOptions } from 'pino'
import type { EntryMeta, UpdateLog } from '@rota/log'
import type { AuthHooks, Identity } from '@rota/auth'
import type { DeniedChange } from '@rota/protocol'
import type { ClientCompression } from './config.ts'
import type { ExtensionHttp } from './extensionHttp.ts'
import type { ServerMetrics } from './metrics.ts'
import type { ReplicationOptions } from './bus.ts'

// The identity and auth hook types are @rota/auth's: one definition for the contract both sides keep.
export type { Role, Identity, Decision, AdminAction, AuthHooks } from '@rota/auth'
export type ServerHooks = AuthHooks

export interface Limits {
  /** Largest WebSocket message the server reads, in bytes (close 1009 above it). */
  maxMessageSize: number
  /** Connections one remote address may hold open (close 4409 above it). */
  maxConnectionsPerAddress: number
  /** Sustained messages per second per connection (token bucket refill). */
  messagesPerSecond: number
  /** Messages a connection may send in a burst before the rate applies (bucket size). */
  messageBurst: number
  /** Longest document name in bytes. */
  maxDocNameLength: number
  /** Time for `authenticate` to finish before close 4408. */
  authTimeoutMs: number
  /** Largest REST body (JSON or binary update), in bytes. */
  maxBodySize: number
  /** Sustained awareness messages per second per connection (close 4429 above it). */
  awarenessPerSecond: number
  /** Awareness messages a connection may send in a burst. */
  awarenessBurst: number
  /** Largest JSON awareness state of one client, in bytes (close 1008 above it). */
  maxAwarenessStateBytes: number
  /** Awareness client ids one connection may speak for (and states in one message); close 1008 above it. */
  maxAwarenessClients: number
  /** Connections that may be authenticating at once, server-wide (close 4429 above it). */
  maxPendingAuth: number
  /**
   * Bytes that may wait to be written to one WebSocket (ws's `bufferedAmount`: the socket's buffer and what
   * ws holds back) before the server closes it with 4413; the one sync reply and the one awareness reply a
   * connection may have in flight are not counted. At most this plus one message is ever queued. Keep it
   * above the largest message the server sends (a document's initial sync, a relayed update).
   */
  maxQueuedBytes: number
  /**
   * Time a closing WebSocket has to finish the close handshake (read what is queued, answer the close frame)
   * before its socket is destroyed. Also how long a shutdown waits for connections before destroying them.
   */
  closeTimeoutMs: number
  /** Time a client has to send the complete request headers, the WebSocket upgrade included (Node's `headersTimeout`). */
  headersTimeoutMs: number
  /** Time a client has to send the complete request, body included (fastify's `requestTimeout`); at least headersTimeoutMs. */
  requestTimeoutMs: number
  /** How long an idle keep-alive HTTP connection is kept (fastify's `keepAliveTimeout`). */
  keepAliveTimeoutMs: number
  /** An HTTP socket with no traffic either way for this long is closed (fastify's `connectionTimeout`); not WebSockets. */
  connectionTimeoutMs: number
  /** HTTP connections one address may hold with a request not yet answered, or none sent yet; more are closed at once. */
  maxUnfinishedRequestsPerAddress: number
}

/** What a room's update carries besides the bytes; clientIds and receivedAt are filled in when absent. */
export type UpdateMeta = Omit<EntryMeta, 'clientIds' | 'receivedAt'> & Partial<EntryMeta>

export interface UpdateEvent {
  doc: string
  seq: number
  update: Uint8Array
  meta: EntryMeta
  /** The room's document, with the update applied. */
  ydoc: Y.Doc
}

/**
 * Changes of an editor's update the server took out (their role or the team's rules do not allow them) while
 * keeping the rest (WebSocket), told once the entry with them put back is durable at `seq`: the editor was
 * sent RotaDenied at once; this is for those who keep a record (the publish inbox's "not accepted").
 */
export interface RefusedEvent {
  doc: string
  seq: number
  identity: Identity
  changes: DeniedChange[]
}

export interface ApplyOptions {
  /** When given, `hooks.authorizeUpdate` decides first (trusted server code leaves it out). */
  identity?: Identity
}

/** The one path every update source goes through: local connections, REST, resolver, later a bus. */
export interface Rooms {
  /** authorise → apply to the room's Y.Doc → append to the log → broadcast the same bytes; resolves once durable. */
  applyUpdate(doc: string, update: Uint8Array, meta: UpdateMeta, options?: ApplyOptions): Promise<{ seq: number }>
  /** Runs fn on the loaded room doc in one transaction, then treats the resulting update as above; null when fn changed nothing. */
  change(doc: string, meta: UpdateMeta, fn: (ydoc: Y.Doc) => void): Promise<{ seq: number } | null>
  /**
   * An update another server instance already stored in the shared log (a bus between instances): applied to
   * the room and broadcast to its connections if the document is open here, never appended again. Durable
   * clocks advance, since the shared log holds it. Does nothing when the document is not open (it loads from the log).
   * `seq`: the room holds the shared log up to there once this is applied (its head advances; replication.ts).
   */
  applyRemote(doc: string, update: Uint8Array, seq?: number): void
  /** Called for every update once it is in the log. Returns the unsubscribe function. */
  onUpdate(listener: (event: UpdateEvent) => void): () => void
  /** Called for every update whose refused changes were taken out, once it is in the log. Returns the unsubscribe function. */
  onRefused(listener: (event: RefusedEvent) => void): () => void
  /**
   * Sends an already encoded message to the connections of a document (if it is open): every one, except that a
   * message of one of Rota's types (≥ 100: RotaConflicts, …) goes only to those that opted in with `ack=1`
   * (RoomMember.speaksRota); stock y-websocket clients cannot handle them.
   */
  broadcast(doc: string, message: Uint8Array): void
  /** The room's document, loading it from the log if needed. Do not modify it directly: use change(). */
  getDoc(doc: string): Promise<Y.Doc>
  /**
   * `read(ydoc)` on the room's document at a moment when it holds exactly the log up to `seq`: every update it
   * applied is stored (its appends have settled), so a seq and what is read of the document come from one state.
   * A room that keeps taking updates is read from the log at its head instead. `read` must not keep the document.
   */
  snapshot<T>(doc: string, read: (ydoc: Y.Doc) => T): Promise<{ seq: number; value: T }>
  /** Names of the documents open in memory. */
  openDocs(): string[]
  /**
   * Called when an open document's room hibernates (nobody used it for `roomHibernateMs`: its Y.Doc is dropped
   * until next used), with the seq its state is at: an extension can drop what it keeps for the document too.
   * Returns the unsubscribe function.
   */
  onHibernate(listener: (doc: string, headSeq: number) => void): () => void
}

export interface ExtensionContext {
  rooms: Rooms
  log: UpdateLog
  hooks: ServerHooks
  /** The server's limits, resolved (the same object as `http.limits`). */
  limits: Limits
  /**
   * The server's HTTP plumbing for the extension's routes: identity on the request, document names read as the
   * sync endpoint reads them, errors in the server's shape (extensionHttp.ts).
   */
  http: ExtensionHttp
}

/** An extension is a fastify plugin that receives the rooms, the log, the hooks and the server's HTTP plumbing. */
export type Extension = FastifyPluginAsync<ExtensionContext>

export interface ServerOptions {
  log: UpdateLog
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0 (any free port). */
  port?: number
  hooks?: Partial<ServerHooks>
  limits?: Partial<Limits>
  /** Messages below this many bytes go out uncompressed (permessage-deflate threshold). Default 1024. */
  compressionThreshold?: number
  /** How clients may compress their messages: `stream` (default) or `large-messages` (see `ClientCompression`). */
  clientCompression?: ClientCompression
  /**
   * pino options (`stream`: where the lines go, stdout by default), or false for no logging. Default: info
   * level. Tokens are redacted from every line whatever the options (logging.ts).
   */
  logger?: (LoggerOptions & { stream?: DestinationStream }) | false
  /** A built web app to serve at `/` (e.g. apps/web/dist); ignored when the folder does not exist. */
  webRoot?: string
  extensions?: Extension[]
  /** Milliseconds a document stays in memory after its last connection left. Default 30000. */
  roomIdleMs?: number
  /**
   * An open document nobody edited or read for between this and twice this long drops its Y.Doc and keeps its
   * encoded state (joining clients are answered from it; the next update or read builds it again). Default
   * 15000; 0: never.
   */
  roomHibernateMs?: number
  /** Ping interval for dead-connection detection. Default 30000. */
  pingIntervalMs?: number
  /** Share one metrics registry with the log's observer (see createMetrics). */
  metrics?: ServerMetrics
  /**
   * Several instances on one shared log, joined by a bus (bus.ts, replication.ts): updates, awareness and
   * extension notices cross to the other instances' open rooms. Absent: a single instance, as before.
   */
  replication?: ReplicationOptions
}

export interface RotaServer {
  app: FastifyInstance
  url: string
  wsUrl: string
  rooms: Rooms
  metrics: ServerMetrics
  /** Stops accepting, closes connections with 1001, waits for pending appends. Does not close the log. */
  close(): Promise<void>
}
