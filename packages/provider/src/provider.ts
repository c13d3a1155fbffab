import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { ObservableV2 } from 'lib0/observable'
import * as syncProtocol from 'y-protocols/sync'
import * as authProtocol from 'y-protocols/auth'
import type { Awareness } from 'y-protocols/awareness'
import { MessageType, UrlParam, readConflictsNotice, readDeniedNotice, readDurable, readInboxNotice, type ConflictsNotice, type DeniedChange, type InboxNotice } from '@rota/protocol'
import { resolveBackoff, type BackoffOptions } from './backoff.ts'
import { initialConnection, nextConnection, type ConnectionEvent, type ConnectionState, type ConnectionStatus } from './connection.ts'
import { SaveTracker, isEmptyUpdate } from './durability.ts'
import { ProviderErrorCode, RotaProviderError } from './errors.ts'
import { indexeddbStore } from './indexeddb.ts'
import { ControlledSocket } from './socket.ts'
import type { OfflineStore, StoredDoc } from './store.ts'

export interface RotaProviderOptions {
  /** The server's WebSocket base URL, e.g. `wss://rota.example.com` (http(s) is turned into ws(s)). */
  url: string
  /** Document name; may contain `/` (e.g. `acme/2026-w48`). */
  docName: string
  /** Sent as the `token` URL parameter. Replace it with `setToken()`. */
  token?: string
  /**
   * Local persistence. Default: IndexedDB where the runtime has it (browsers), none elsewhere.
   * `true` insists on the default store; `false` turns persistence off; or pass a store,
   * e.g. `openLevelStore(dir)` from `@rota/provider/leveldb` in Node.
   */
  offline?: boolean | OfflineStore
  /** Connect as soon as the local store has loaded. Default true. */
  connect?: boolean
  backoff?: Partial<BackoffOptions>
  /** A socket that has not opened after this many ms is abandoned and retried. Default 10 000. */
  openTimeout?: number
  /** A connection that received nothing for this many ms is treated as dead. Default 30 000. */
  heartbeatWindow?: number
  /** Every this many ms the provider sends a sync step 1 (a probe the server must answer). Default 10 000. */
  pingInterval?: number
  /** Sync with other tabs of this browser over BroadcastChannel. Default true. */
  crossTab?: boolean
  awareness?: Awareness
  /** More URL parameters. */
  params?: Record<string, string>
  /** WebSocket implementation where there is no global one (Node < 22: `ws`). */
  WebSocketPolyfill?: typeof WebSocket
  /** Source of jitter, like `Math.random` (tests pass a fixed one). */
  random?: () => number
}

/** Everything a UI shows about the provider; `provider.state` and the `change` event carry it. */
export interface ProviderState {
  status: ConnectionStatus
  /** The current connection finished its initial exchange with the server. */
  synced: boolean
  /** Every change this document holds is durable on the server (`unsyncedChanges === 0`). */
  saved: boolean
  /** Changes (transactions) the server has not yet confirmed as durable. */
  unsyncedChanges: number
  /** Failed attempts since the last connection that synced. */
  attempt: number
  /** Delay (ms) of the scheduled reconnect, or null. */
  nextDelay: number | null
  /** Close code of the connection that ended last (null when the provider dropped it). */
  closeCode: number | null
  /** Last measured round trip to the server, ms. */
  rtt: number | null
  /** ISO time of the first edit made offline that the server has not confirmed yet. */
  clientTime: string | null
  /** The local store has loaded (or there is none). */
  loaded: boolean
}

export type RotaProviderEvents = {
  /** Any field of the state changed. */
  change: (state: ProviderState) => void
  status: (status: ConnectionStatus) => void
  synced: (synced: boolean) => void
  saved: (saved: boolean, unsyncedChanges: number) => void
  /** A reconnect is scheduled: `attempt` (1 = first retry) after `delay` ms. */
  reconnect: (attempt: number, delay: number) => void
  rtt: (ms: number) => void
  /** The server refused the token (4401) or the document (4403); retrying waits for `setToken()`. */
  'auth-failed': (code: number, reason: string) => void
  /**
   * The server did not accept a change of yours. With `changes` (RotaDenied) it took those changes out
   * and kept the rest: your document shows the server's values again and everything else is saved. With
   * no changes it refused a whole update (hostile or unreadable input); that update stays unsaved.
   */
  denied: (denial: Denial) => void
  /** The server's conflict inbox for this document changed. */
  conflicts: (notice: ConflictsNotice) => void
  /** Inboxes of some of the document's people got items (RotaInbox): fetch `GET /api/inbox` if yours is named. */
  inbox: (notice: InboxNotice) => void
  error: (error: RotaProviderError) => void
}

/** A change (or update) the server did not accept; `provider.denials` keeps the latest ones. */
export interface Denial {
  /** ISO time it was reported. */
  at: string
  code: string
  /** Every reason, joined: what the app shows. */
  reason: string
  /** The changes taken out (path, what you wrote, what it replaced, why); empty when a whole update was refused. */
  changes: DeniedChange[]
}

/** How many denials `provider.denials` keeps. */
const keptDenials = 100

const clientTimeKey = 'clientTime'

const positive = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RotaProviderError(ProviderErrorCode.InvalidOption, `${name} must be a positive number`, { option: name })
  }
  return value
}

const toWebSocketUrl = (url: string): string => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (cause) {
    throw new RotaProviderError(ProviderErrorCode.InvalidOption, `url is not a URL: ${url}`, { option: 'url', cause })
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:'
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:'
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new RotaProviderError(ProviderErrorCode.InvalidOption, 'url must use ws, wss, http or https', { option: 'url' })
  }
  return parsed.href.replace(/\/+$/, '')
}

const resolveStore = (offline: RotaProviderOptions['offline']): OfflineStore | null => {
  if (offline === false) return null
  if (offline === undefined || offline === true) {
    if (typeof indexedDB !== 'undefined') return indexeddbStore()
    if (offline === true) {
      throw new RotaProviderError(
        ProviderErrorCode.NoOfflineStore,
        'no default offline store here; pass offline: openLevelStore(dir) from @rota/provider/leveldb',
        { option: 'offline' },
      )
    }
    return null
  }
  return offline
}

/**
 * Connects a Y.Doc to a Rota server: y-websocket's protocol, with Rota's reconnect schedule,
 * local persistence, durability acknowledgements ("saved") and auth handling.
 */
export class RotaProvider extends ObservableV2<RotaProviderEvents> {
  readonly doc: Y.Doc
  readonly docName: string
  readonly url: string
  /** The underlying y-websocket provider (its reconnecting is driven from here). */
  readonly websocket: ControlledSocket
  /** Resolves when the local store has loaded (at once without one). */
  readonly whenLoaded: Promise<void>

  private readonly backoff: BackoffOptions
  private readonly openTimeout: number
  private readonly heartbeatWindow: number
  private readonly pingInterval: number
  private readonly random: () => number
  private readonly tracker = new SaveTracker()
  private connection: ConnectionState = initialConnection
  private stored: StoredDoc | null = null
  private loaded = false
  private destroyed = false
  private wantConnect: boolean
  private rtt: number | null = null
  private clientTime: string | null = null
  /** Sync step 1 messages awaiting their step 2, oldest first; `measure` false for the one on open. */
  private probes: { at: number; measure: boolean }[] = []
  private applyingServerMessage = false
  /** The server's message before the current one was a sync step 2 (see the RotaDurable handler). */
  private step2JustArrived = false
  private previousWasStep2 = false
  private lastMessageAt = 0
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private openTimer: ReturnType<typeof setTimeout> | null = null
  private ackProbeTimer: ReturnType<typeof setTimeout> | null = null
  private ackProbeDelay: number
  private readonly heartbeatTimer: ReturnType<typeof setInterval>
  private lastState: ProviderState
  private readonly detachWindow: () => void
  private readonly ownsAwareness: boolean

  constructor(doc: Y.Doc, options: RotaProviderOptions) {
    super()
    if (!(doc instanceof Y.Doc)) {
      throw new RotaProviderError(ProviderErrorCode.InvalidOption, 'doc must be a Y.Doc', { option: 'doc' })
    }
    if (typeof options !== 'object' || options === null) {
      throw new RotaProviderError(ProviderErrorCode.InvalidOption, 'options are required', { option: 'options' })
    }
    if (typeof options.docName !== 'string' || options.docName.length === 0) {
      throw new RotaProviderError(ProviderErrorCode.InvalidOption, 'docName must be a non-empty string', { option: 'docName' })
    }
    if (options.token !== undefined && typeof options.token !== 'string') {
      throw new RotaProviderError(ProviderErrorCode.InvalidOption, 'token must be a string', { option: 'token' })
    }
    this.url = toWebSocketUrl(String(options.url))
    this.backoff = resolveBackoff(options.backoff)
    this.openTimeout = positive('openTimeout', options.openTimeout, 10_000)
    this.heartbeatWindow = positive('heartbeatWindow', options.heartbeatWindow, 30_000)
    this.pingInterval = positive('pingInterval', options.pingInterval, 10_000)
    this.ackProbeDelay = Math.min(250, this.pingInterval)
    this.random = options.random ?? Math.random
    const store = resolveStore(options.offline)

    this.doc = doc
    this.docName = options.docName
    this.wantConnect = options.connect ?? true
    const params: Record<string, string> = { ...options.params, [UrlParam.Ack]: '1' }
    if (options.token !== undefined) params[UrlParam.Token] = options.token
    this.websocket = new ControlledSocket(this.url, this.docName.split('/').map(encodeURIComponent).join('/'), doc, {
      params,
      disableBc: options.crossTab === false,
      ...(options.awareness ? { awareness: options.awareness } : {}),
      ...(options.WebSocketPolyfill ? { WebSocketPolyfill: options.WebSocketPolyfill } : {}),
    })
    this.ownsAwareness = options.awareness === undefined
    this.installHandlers()
    this.websocket.on('connection-close', this.onSocketClose)
    this.websocket.on('status', this.onSocketStatus)
    this.websocket.on('sync', this.onSocketSync)
    doc.on('update', this.onDocUpdate)
    this.heartbeatTimer = setInterval(this.onHeartbeat, this.pingInterval)
    this.detachWindow = this.watchWindow()
    this.lastState = this.state

    this.whenLoaded = this.load(store)
  }

  get awareness(): Awareness {
    return this.websocket.awareness
  }

  get state(): ProviderState {
    const unsyncedChanges = this.tracker.unsyncedChanges
    return {
      status: this.connection.status,
      synced: this.websocket.synced,
      saved: unsyncedChanges === 0,
      unsyncedChanges,
      attempt: this.connection.attempt,
      nextDelay: this.connection.nextDelay,
      closeCode: this.connection.closeCode,
      rtt: this.rtt,
      clientTime: this.clientTime,
      loaded: this.loaded,
    }
  }

  /** Connects now (cancels a scheduled retry; the failure count stays until a connection syncs). */
  connect(): void {
    this.assertAlive()
    this.wantConnect = true
    if (this.loaded) this.open()
  }

  /** Closes the connection and stays offline until `connect()`. Local edits keep being stored. */
  disconnect(): void {
    this.assertAlive()
    this.wantConnect = false
    this.clearRetry()
    this.transition({ type: 'stop' })
    this.websocket.disconnect()
  }

  /**
   * Replaces the token. After `auth-failed` this reconnects at once; on a live connection the new
   * token is used from the next connection on (the server checks tokens when a socket opens).
   */
  setToken(token: string | undefined): void {
    this.assertAlive()
    if (token !== undefined && typeof token !== 'string') {
      throw new RotaProviderError(ProviderErrorCode.InvalidOption, 'token must be a string', { option: 'token' })
    }
    if (token === undefined) delete this.websocket.params[UrlParam.Token]
    else this.websocket.params[UrlParam.Token] = token
    this.transition({ type: 'reset' })
    if (this.connection.status === 'auth-failed' || (this.wantConnect && this.connection.status === 'offline')) this.connect()
  }

  /** Resolves once every local change so far is written to the local store. */
  async flushLocal(): Promise<void> {
    await this.whenLoaded
    await this.stored?.flush()
  }

  /** Resolves when `saved` is true. */
  whenSaved(): Promise<void> {
    return this.when((state) => state.saved)
  }

  /** Resolves when the current connection has synced. */
  whenSynced(): Promise<void> {
    return this.when((state) => state.synced)
  }

  /** Stops everything; the local store keeps its data. Resolves once the store is detached. */
  override async destroy(): Promise<void> {
    if (this.destroyed) return
    this.destroyed = true
    this.clearRetry()
    this.clearOpenTimer()
    if (this.ackProbeTimer !== null) clearTimeout(this.ackProbeTimer)
    clearInterval(this.heartbeatTimer)
    this.detachWindow()
    this.doc.off('update', this.onDocUpdate)
    this.websocket.off('connection-close', this.onSocketClose)
    this.websocket.destroy()
    // y-websocket leaves the awareness it made running (a 3 s interval that keeps a Node process
    // alive); one the caller passed in is the caller's to stop.
    if (this.ownsAwareness) this.websocket.awareness.destroy()
    super.destroy()
    await this.whenLoaded
    await this.stored?.detach()
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────

  private when(done: (state: ProviderState) => boolean): Promise<void> {
    if (done(this.state)) return Promise.resolve()
    return new Promise((resolve) => {
      const check = (state: ProviderState): void => {
        if (!done(state)) return
        this.off('change', check)
        resolve()
      }
      this.on('change', check)
    })
  }

  private assertAlive(): void {
    if (this.destroyed) throw new RotaProviderError(ProviderErrorCode.Destroyed, 'the provider was destroyed')
  }

  private async load(store: OfflineStore | null): Promise<void> {
    if (store !== null) {
      try {
        this.stored = store.attach(this.docName, this.doc)
        await this.stored.whenLoaded
        const clientTime = await this.stored.getMeta(clientTimeKey)
        if (clientTime !== undefined) this.setClientTime(this.tracker.unsyncedChanges > 0 ? clientTime : null)
      } catch (cause) {
        this.emit('error', [new RotaProviderError(ProviderErrorCode.StoreFailed, 'the local store failed to load', { cause })])
      }
    }
    if (this.destroyed) return
    this.loaded = true
    this.publish()
    if (this.wantConnect) this.open()
  }

  /** Changes the server did not accept, newest last (at most 100): for the app to show, export or escalate. */
  readonly denials: Denial[] = []

  private deny(code: string, changes: DeniedChange[], reason = changes.map((change) => `${change.path}: ${change.reason}`).join('; ')): void {
    const denial: Denial = { at: new Date().toISOString(), code, reason, changes }
    this.denials.push(denial)
    if (this.denials.length > keptDenials) this.denials.splice(0, this.denials.length - keptDenials)
    this.emit('denied', [denial])
  }

  private installHandlers(): void {
    const handlers = this.websocket.messageHandlers
    const syncHandler = handlers[MessageType.Sync]
    if (syncHandler === undefined) throw new Error('y-websocket has no sync handler')
    handlers[MessageType.Sync] = (encoder, decoder, provider, fromServer, messageType) => {
      if (!fromServer) {
        syncHandler(encoder, decoder, provider, fromServer, messageType)
        return
      }
      const kind = decoding.peekVarUint(decoder)
      this.applyingServerMessage = true
      try {
        syncHandler(encoder, decoder, provider, fromServer, messageType)
      } finally {
        this.applyingServerMessage = false
      }
      if (kind === syncProtocol.messageYjsSyncStep1) {
        // y-websocket sends the step 2 it just wrote: our whole diff, every pending change included.
        const reply = decoding.createDecoder(encoding.toUint8Array(encoder))
        decoding.readVarUint(reply)
        decoding.readVarUint(reply)
        this.tracker.answeredSyncStep1(isEmptyUpdate(decoding.readVarUint8Array(reply)))
      } else if (kind === syncProtocol.messageYjsSyncStep2) {
        this.step2JustArrived = true
        this.onProbeAnswered()
      }
      this.publish()
    }
    handlers[MessageType.RotaDurable] = (_encoder, decoder, _provider, fromServer) => {
      const clocks = readDurable(decoder)
      if (!fromServer) return
      // The acknowledgement that directly follows a step 2 answers a sync step 1; the others are per update.
      this.tracker.acknowledged(clocks, !this.previousWasStep2)
      this.publish()
    }
    handlers[MessageType.RotaConflicts] = (_encoder, decoder, _provider, fromServer) => {
      const notice = readConflictsNotice(decoder)
      if (fromServer) this.emit('conflicts', [notice])
    }
    handlers[MessageType.RotaInbox] = (_encoder, decoder, _provider, fromServer) => {
      const notice = readInboxNotice(decoder)
      if (fromServer) this.emit('inbox', [notice])
    }
    handlers[MessageType.RotaDenied] = (_encoder, decoder, _provider, fromServer) => {
      const notice = readDeniedNotice(decoder)
      // The update itself was kept (and will be acknowledged as usual): only report what was taken out.
      if (fromServer) this.deny(notice.code, notice.changes)
    }
    handlers[MessageType.Auth] = (_encoder, decoder, _provider, fromServer) => {
      authProtocol.readAuthMessage(decoder, this.doc, (_doc, reason) => {
        if (!fromServer) return
        this.tracker.refused()
        this.deny('ROTA_ERR_FORBIDDEN', [], reason)
      })
    }
    // Liveness: every message from the server counts (y-websocket's own stamp reads the clock
    // through a reference taken at import, which fake timers cannot reach).
    for (const [type, handler] of handlers.entries()) {
      if (handler === undefined) continue
      handlers[type] = (encoder, decoder, provider, fromServer, messageType) => {
        if (fromServer) this.lastMessageAt = Date.now()
        this.previousWasStep2 = this.step2JustArrived
        this.step2JustArrived = false
        handler(encoder, decoder, provider, fromServer, messageType)
      }
    }
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (this.applyingServerMessage) return
    const fromStore = this.stored !== null && origin === this.stored.origin
    const fromOtherTab = origin === this.websocket
    const socket = this.websocket.ws
    // y-websocket's listener ran first (it registered first) and sent the update if the socket is open.
    const sent = !fromStore && !fromOtherTab && this.websocket.wsconnected && socket !== null && socket.readyState === socket.OPEN
    this.tracker.addChange(update, { sent, trackDeletes: !fromOtherTab })
    if (!fromStore && !fromOtherTab && this.connection.status !== 'connected' && this.clientTime === null) {
      this.setClientTime(new Date().toISOString())
    }
    if (this.tracker.awaitsClocks) this.scheduleAckProbe()
    this.publish()
  }

  private setClientTime(time: string | null): void {
    this.clientTime = time
    if (time === null) delete this.websocket.params[UrlParam.ClientTime]
    else this.websocket.params[UrlParam.ClientTime] = time
    this.stored?.setMeta(clientTimeKey, time ?? undefined).catch((cause: unknown) => {
      this.emit('error', [new RotaProviderError(ProviderErrorCode.StoreFailed, 'could not store clientTime', { cause })])
    })
  }

  private open(): void {
    if (this.destroyed) return
    this.clearRetry()
    if (this.websocket.ws !== null) return
    this.transition({ type: 'connect' })
    this.openTimer = setTimeout(() => {
      this.openTimer = null
      if (!this.websocket.wsconnected) this.websocket.drop()
    }, this.openTimeout)
    this.websocket.reopen()
  }

  private readonly onSocketStatus = ({ status }: { status: 'connected' | 'disconnected' | 'connecting' }): void => {
    if (status !== 'connected') return
    this.clearOpenTimer()
    // y-websocket sends sync step 1 right after this event: its step 2 ends the initial sync.
    this.lastMessageAt = Date.now()
    this.tracker.newConnection()
    this.probes = [{ at: Date.now(), measure: false }]
    this.transition({ type: 'open' })
  }

  private readonly onSocketSync = (synced: boolean): void => {
    if (synced) this.transition({ type: 'synced' })
    else this.publish()
  }

  private readonly onSocketClose = (event: CloseEvent | null): void => {
    // Synchronous, before y-websocket schedules its own retry: make that retry a no-op.
    this.websocket.shouldConnect = false
    this.clearOpenTimer()
    this.probes = []
    const code = event?.code ?? null
    this.transition({ type: 'closed', code })
    const { status, nextDelay, attempt } = this.connection
    if (status === 'auth-failed' && code !== null) this.emit('auth-failed', [code, event?.reason ?? ''])
    if (nextDelay !== null) {
      // Never reopen inside this event: y-websocket still clears `ws` after it returns.
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null
        this.open()
      }, nextDelay)
      this.emit('reconnect', [attempt, nextDelay])
    }
  }

  private readonly onHeartbeat = (): void => {
    if (this.connection.status !== 'connected') return
    if (Date.now() - this.lastMessageAt > this.heartbeatWindow) {
      this.websocket.drop()
      return
    }
    this.probe()
  }

  /** Sends sync step 1; the server's step 2 answers it (round-trip time, its delete set, liveness). */
  private probe(): void {
    if (this.probes.length > 0) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    if (this.websocket.send(encoding.toUint8Array(encoder))) this.probes.push({ at: Date.now(), measure: true })
  }

  private onProbeAnswered(): void {
    const probe = this.probes.shift()
    if (probe?.measure) {
      this.rtt = Date.now() - probe.at
      this.emit('rtt', [this.rtt])
    }
    if (this.tracker.awaitsClocks) this.scheduleAckProbe()
  }

  /**
   * Changes not sent on this connection (another tab's, the store's before a resend) are confirmed
   * by the clocks in the reply to a sync step 1: ask for one soon, then less and less often.
   */
  private scheduleAckProbe(): void {
    if (this.ackProbeTimer !== null || this.connection.status !== 'connected') return
    const delay = this.ackProbeDelay
    this.ackProbeDelay = Math.min(delay * 2, this.pingInterval)
    this.ackProbeTimer = setTimeout(() => {
      this.ackProbeTimer = null
      if (this.tracker.awaitsClocks) this.probe()
    }, delay)
  }

  private transition(event: ConnectionEvent): void {
    this.connection = nextConnection(this.connection, event, this.backoff, this.random)
    this.publish()
  }

  /** Emits the events for whatever changed since the last call. */
  private publish(): void {
    const state = this.state
    const last = this.lastState
    if (state.saved && this.clientTime !== null) {
      this.setClientTime(null)
      state.clientTime = null
    }
    if (state.saved) this.ackProbeDelay = Math.min(250, this.pingInterval)
    this.lastState = state
    if (state.status !== last.status) this.emit('status', [state.status])
    if (state.synced !== last.synced) this.emit('synced', [state.synced])
    if (state.saved !== last.saved || state.unsyncedChanges !== last.unsyncedChanges) {
      this.emit('saved', [state.saved, state.unsyncedChanges])
    }
    if ((Object.keys(state) as (keyof ProviderState)[]).some((key) => state[key] !== last[key])) this.emit('change', [state])
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  private clearOpenTimer(): void {
    if (this.openTimer !== null) clearTimeout(this.openTimer)
    this.openTimer = null
  }

  /** Browser hints: `online` and a tab coming back retry at once, `offline` drops the socket. */
  private watchWindow(): () => void {
    if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return () => {}
    const win = window
    const doc = document
    const retryNow = (): void => {
      if (this.wantConnect && this.connection.status === 'offline' && this.connection.nextDelay !== null) this.open()
    }
    const onOnline = (): void => {
      this.transition({ type: 'reset' })
      retryNow()
    }
    const onOffline = (): void => {
      if (this.websocket.ws !== null) this.websocket.drop()
    }
    const onVisible = (): void => {
      if (doc.visibilityState !== 'visible') return
      if (this.connection.status === 'connected') this.probe()
      else retryNow()
    }
    win.addEventListener('online', onOnline)
    win.addEventListener('offline', onOffline)
    doc.addEventListener('visibilitychange', onVisible)
    return () => {
      win.removeEventListener('online', onOnline)
      win.removeEventListener('offline', onOffline)
      doc.removeEventListener('visibilitychange', onVisible)
    }
  }
}
