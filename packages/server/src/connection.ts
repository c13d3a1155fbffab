import type { Socket } from 'node:net'
import type * as Y from 'yjs'
import type { WebSocket, RawData } from 'ws'
import type { FastifyBaseLogger as Logger } from 'fastify'
import * as awarenessProtocol from 'y-protocols/awareness'
import { checkAwarenessUpdate, createTokenBucket, type AwarenessEntry, type TokenBucket } from '@rota/auth'
import { UrlParam, encodeDurable, messageTypeName, type DeniedChange } from '@rota/protocol'
import { needsJudging } from './admit.ts'
import { inspectUpdate, isEmptyUpdate } from './update.ts'
import { RotaServerError, ServerErrorCode, authErrorCodes, closeCodeOf, codeOf, isRotaServerError } from './errors.ts'
import type { DocName } from './docName.ts'
import type { Room, RoomMember } from './room.ts'
import type { RoomRegistry } from './rooms.ts'
import { countMessage, type ServerMetrics, type WireSource } from './metrics.ts'
import type { ClientLog } from './clientLog.ts'
import { closeWithin } from './closing.ts'
import { ReplyGate } from './replyGate.ts'
import type { Identity, Limits, ServerHooks } from './types.ts'
import {
  awarenessMessage,
  deniedMessage,
  permissionDeniedMessage,
  readClientMessage,
  readStateVector,
  syncStep1Of,
  syncStep2Of,
  type ClientMessage,
} from './messages.ts'

export interface ConnectionContext {
  rooms: RoomRegistry
  hooks: ServerHooks
  limits: Limits
  metrics: ServerMetrics
  logger: Logger
  pingIntervalMs: number
  /** Connections whose authentication has not finished, server-wide (bounded by limits.maxPendingAuth). */
  authenticating: Set<object>
  /** Client mistakes, rate-limited per address. */
  clientLog: ClientLog
}

export interface ConnectionParams {
  doc: DocName
  token: string | undefined
  /** `?ack=1`: the client wants RotaDurable acknowledgements. */
  ack: boolean
  /** `?clientTime=<ISO>` in ms, when valid. */
  clientTime: number | undefined
}

export const readConnectionParams = (doc: DocName, search: URLSearchParams): ConnectionParams => {
  const clientTime = Date.parse(search.get(UrlParam.ClientTime) ?? '')
  return {
    doc,
    token: search.get(UrlParam.Token) ?? undefined,
    ack: search.get(UrlParam.Ack) === '1',
    clientTime: Number.isFinite(clientTime) ? clientTime : undefined,
  }
}

/** Entry details are small (the log allows 4 KiB of JSON): larger vectors are left out. */
const maxKnownVectorChars = 2048

/** A close reason must fit a control frame (123 bytes). */
const reasonOf = (message: string): string => {
  const bytes = Buffer.from(message)
  return bytes.length <= 123 ? message : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '') + '...'
}

/**
 * One WebSocket: authenticates, joins its document's room once it is loaded, then reads
 * y-websocket messages in order. Limits are checked as frames arrive; a refused message
 * closes only this connection and stores nothing.
 */
export class Connection implements RoomMember, WireSource {
  readonly awarenessClients = new Set<number>()
  private room: Room | undefined
  /** The state vector of the client's last sync step 1. */
  private knownVector: Uint8Array | undefined
  private identity: Identity | undefined
  private closed = false
  /** Messages are handled one after another; the first waits for auth and the room. */
  private queue: Promise<void>
  /** Authenticated and in its room: a message with none queued before it is handled at once. */
  private ready = false
  /** Messages waiting in `queue`. */
  private backlog = 0
  private tokens: number
  private readonly awarenessBucket: TokenBucket
  private lastRefill = Date.now()
  private wireRead: number
  private wireWritten: number
  private alive = true
  /** Writes are held until the next process.nextTick (see send). */
  private corked = false
  private readonly pingTimer: NodeJS.Timeout
  private readonly log: Logger
  /** One SyncStep2 and one awareness answer in flight at a time (replyGate.ts). */
  private readonly syncReplies: ReplyGate
  private readonly awarenessReplies: ReplyGate
  /** Bytes of those answers not written yet: not counted against maxQueuedBytes (each is bounded by its gate). */
  private repliesInFlight = 0
  private readonly address: string

  /** Opened with `?ack=1`: the Rota provider and the web app, which handle Rota's message types (room.ts). */
  get speaksRota(): boolean {
    return this.params.ack
  }

  constructor(
    private readonly socket: WebSocket,
    /** The TCP socket under the WebSocket, for wire byte counts. */
    private readonly tcp: Socket,
    private readonly params: ConnectionParams,
    private readonly ctx: ConnectionContext,
  ) {
    this.log = ctx.logger.child({ doc: params.doc })
    this.address = tcp.remoteAddress ?? 'unknown'
    this.syncReplies = new ReplyGate(() => ctx.metrics.collapsedReplies.inc({ kind: 'syncStep1' }))
    this.awarenessReplies = new ReplyGate(() => ctx.metrics.collapsedReplies.inc({ kind: 'queryAwareness' }))
    this.tokens = ctx.limits.messageBurst
    this.awarenessBucket = createTokenBucket(
      { perSecond: ctx.limits.awarenessPerSecond, burst: ctx.limits.awarenessBurst },
      Date.now(),
    )
    this.wireRead = tcp.bytesRead
    this.wireWritten = tcp.bytesWritten
    ctx.metrics.connections.inc()
    ctx.metrics.tally.wireSources.add(this)
    socket.binaryType = 'nodebuffer'
    socket.on('message', this.onMessage)
    socket.on('close', this.onClose)
    socket.on('pong', () => {
      this.alive = true
    })
    this.pingTimer = setInterval(this.ping, ctx.pingIntervalMs)
    this.pingTimer.unref()
    this.queue = this.open().then(
      () => {
        this.ready = true
      },
      (err: unknown) => this.refuse(err),
    )
  }

  private async open(): Promise<void> {
    const { hooks, limits, rooms } = this.ctx
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RotaServerError(ServerErrorCode.AuthTimeout, 'authentication timed out')),
        limits.authTimeoutMs,
      )
    })
    this.ctx.authenticating.add(this)
    this.ctx.metrics.authenticating.set(this.ctx.authenticating.size)
    try {
      this.identity = await Promise.race([hooks.authenticate(this.params.token), timeout])
    } finally {
      clearTimeout(timer)
      this.doneAuthenticating()
    }
    if (!hooks.canRead(this.identity, this.params.doc)) {
      throw new RotaServerError(ServerErrorCode.Forbidden, 'not allowed to open this document')
    }
    const room = await rooms.join(this.params.doc, this)
    if (this.closed) {
      rooms.leave(room, this)
      return
    }
    this.room = room
    this.log.debug({ sub: this.identity.sub, ack: this.params.ack }, 'connection open')
    this.send(syncStep1Of(room.stateVector()))
    const states = room.awareness.getStates()
    if (states.size > 0) this.send(awarenessMessage(room.awareness, [...states.keys()]))
  }

  private onMessage = (data: RawData, isBinary: boolean): void => {
    const bytes = toBytes(data)
    const { metrics, limits } = this.ctx
    metrics.tally.bytes.payloadIn += bytes.length
    if (this.closed) return
    try {
      if (!isBinary) throw new RotaServerError(ServerErrorCode.BadMessage, 'text frames are not part of the protocol')
      if (bytes.length > limits.maxMessageSize) {
        throw new RotaServerError(
          ServerErrorCode.MessageTooBig,
          `message of ${bytes.length} bytes is above the ${limits.maxMessageSize}-byte limit`,
        )
      }
      this.takeToken()
    } catch (err) {
      this.refuse(err)
      return
    }
    // `backlog` counts messages not yet fully handled; a sync reply's view is read from the log (async),
    // and everything after it waits, so updates are judged and applied in the order they were sent.
    if (this.ready && this.backlog === 0) {
      const pending = this.handle(bytes)
      if (pending === undefined) return
      this.backlog += 1
      this.queue = pending.then(() => {
        this.backlog -= 1
      })
      return
    }
    this.backlog += 1
    this.queue = this.queue.then(async () => {
      if (!this.closed) await this.handle(bytes)
      this.backlog -= 1
    })
  }

  private takeToken(): void {
    const { messagesPerSecond, messageBurst } = this.ctx.limits
    const now = Date.now()
    this.tokens = Math.min(messageBurst, this.tokens + ((now - this.lastRefill) / 1000) * messagesPerSecond)
    this.lastRefill = now
    if (this.tokens < 1) {
      throw new RotaServerError(ServerErrorCode.RateLimited, `more than ${messagesPerSecond} messages per second`)
    }
    this.tokens -= 1
  }

  private handle(bytes: Uint8Array): Promise<void> | undefined {
    try {
      const message = readClientMessage(bytes)
      countMessage(this.ctx.metrics.tally.messagesIn, message.kind)
      return this.dispatch(message)?.catch((err: unknown) => this.failed(err))
    } catch (err) {
      this.failed(err)
      return undefined
    }
  }

  private failed(err: unknown): void {
    if (codeOf(err) === ServerErrorCode.Forbidden) this.deny(err as RotaServerError)
    else this.refuse(err)
  }

  private dispatch(message: ClientMessage): Promise<void> | undefined {
    const room = this.room
    if (room === undefined) return
    switch (message.kind) {
      case 'syncStep1': {
        const clientVector = readStateVector(message.stateVector)
        this.knownVector = message.stateVector
        // Answered from the document as it is when the gate opens: one reply covers every request it stands for.
        this.syncReplies.request((sent) => {
          this.send(syncStep2Of(room.diff(message.stateVector)), sent)
          if (this.params.ack) {
            this.send(encodeDurable(room.durableClocks(clientVector.keys())))
          }
        })
        break
      }
      case 'syncStep2':
        // The client's reply to our step 1 carries what it did while away, made on the state its own
        // step 1 declared: judged on that view (view.ts), which the resolver needs too.
        return this.submitReply(room, message.update)
      case 'update':
        this.submit(room, message.update)
        break
      case 'awareness':
        this.applyAwareness(room, message.update)
        break
      case 'queryAwareness':
        this.awarenessReplies.request((sent) => this.send(awarenessMessage(room.awareness, [...room.awareness.getStates().keys()]), sent))
        break
      case 'auth':
        break
    }
    return undefined
  }

  /**
   * Checks an awareness message before it touches the room: the rate, its size and client count, and
   * that it speaks only for client ids this connection introduced (or new ones, up to the limit).
   * A message about another connection's clients is dropped (a reconnecting client may still share its
   * id with its dead connection for a while); floods and oversized messages close the connection.
   */
  private applyAwareness(room: Room, update: Uint8Array): void {
    const { limits, metrics } = this.ctx
    const check = checkAwarenessUpdate(update, {
      maxStateBytes: limits.maxAwarenessStateBytes,
      maxClientsPerMessage: limits.maxAwarenessClients,
    })
    if (!check.ok) {
      metrics.awarenessRejected.inc({ reason: 'invalid' })
      throw new RotaServerError(ServerErrorCode.BadAwareness, check.reason)
    }
    // Stock clients echo every awareness change they receive: an echo changes nothing, costs no
    // token (the general message rate still applies) and is not applied again.
    const { meta } = room.awareness
    const states = room.awareness.getStates()
    const changes = (entry: AwarenessEntry): boolean => {
      const clock = meta.get(entry.clientID)?.clock
      return clock === undefined || clock < entry.clock || (clock === entry.clock && entry.removed && states.has(entry.clientID))
    }
    const changing = check.entries.filter(changes)
    if (changing.length === 0) return
    if (changing.some((entry) => !this.awarenessClients.has(entry.clientID) && states.has(entry.clientID))) {
      metrics.awarenessRejected.inc({ reason: 'foreign_client' })
      this.log.debug({ ids: changing.map((entry) => entry.clientID) }, 'awareness for another connection’s client dropped')
      return
    }
    if (!this.awarenessBucket.take(Date.now())) {
      metrics.awarenessRejected.inc({ reason: 'flood' })
      throw new RotaServerError(
        ServerErrorCode.RateLimited,
        `more than ${limits.awarenessPerSecond} awareness messages per second`,
      )
    }
    const ids = changing.filter((entry) => !entry.removed).map((entry) => entry.clientID)
    const introduced = new Set([...this.awarenessClients, ...ids])
    if (introduced.size > limits.maxAwarenessClients) {
      metrics.awarenessRejected.inc({ reason: 'invalid' })
      throw new RotaServerError(
        ServerErrorCode.BadAwareness,
        `a connection may speak for at most ${limits.maxAwarenessClients} awareness clients`,
      )
    }
    try {
      awarenessProtocol.applyAwarenessUpdate(room.awareness, update, this)
    } catch (err) {
      throw new RotaServerError(ServerErrorCode.BadAwareness, 'awareness update does not decode', {
        cause: err instanceof Error ? err.message : String(err),
      })
    }
  }

  /** `{ knownStateVector: base64 }`, unless it would not fit the log's small details field. */
  private knownVectorDetails(): Record<string, unknown> | undefined {
    if (this.knownVector === undefined) return undefined
    const encoded = Buffer.from(this.knownVector).toString('base64')
    return encoded.length <= maxKnownVectorChars ? { knownStateVector: encoded } : undefined
  }

  /**
   * A sync reply: judged on its author's view (view.ts) when its author is judged at all (admins are not),
   * and stored with that view's cut (`details.view`), which the resolver reads as what its author saw.
   */
  private async submitReply(room: Room, update: Uint8Array): Promise<void> {
    const details = this.knownVectorDetails()
    const identity = this.identity as Identity
    if (this.knownVector === undefined || isEmptyUpdate(update)) return this.submit(room, update, details, undefined, true)
    // Bytes that are not an update are refused as such before the log is read for their view.
    inspectUpdate(update)
    const judged = needsJudging(identity)
    const view = await this.ctx.rooms.authorView(room, readStateVector(this.knownVector), update, judged)
    if (view.kind === 'forged') throw new RotaServerError(ServerErrorCode.ForgedView, view.reason)
    const doc = view.kind === 'past' ? view.doc : undefined
    try {
      if (this.closed || room.destroyed) return
      const cut = view.kind === 'past' ? { seq: view.seq, also: view.also.slice(0, 64) } : { seq: room.headSeq, also: [] }
      this.submit(room, update, { ...details, view: cut }, doc, true)
    } finally {
      doc?.destroy()
    }
  }

  /** `reply`: the update is the connection's sync reply (SyncStep2), not a live edit (see SubmitOptions.reply). */
  private submit(room: Room, update: Uint8Array, details?: Record<string, unknown>, view?: Y.Doc, reply = false): void {
    const identity = this.identity as Identity
    const meta = {
      actor: identity.sub,
      role: identity.role,
      origin: 'ws' as const,
      ...(this.params.clientTime === undefined ? {} : { clientTime: this.params.clientTime }),
      ...(details === undefined ? {} : { details }),
    }
    const durable = this.ctx.rooms.submit(room, update, meta, {
      identity,
      except: this,
      ...(view === undefined ? {} : { view }),
      ...(reply ? { reply } : {}),
      onDenied: (changes) => this.denyChanges(changes),
    })
    durable.then(
      ({ clientIds }) => {
        if (!this.params.ack || this.closed) return
        // The room's clocks, not just this update's: earlier appends are durable too by now.
        this.send(encodeDurable(room.durableClocks(clientIds)))
      },
      (err: unknown) => this.log.warn({ err }, 'update not stored'),
    )
  }

  /** `sent` (a gated reply): called once the message is written to the socket, or will never be. */
  send(message: Uint8Array, sent?: () => void): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) {
      sent?.()
      return
    }
    // ws's bufferedAmount: what the socket has not written yet plus what ws holds back while compressing.
    if (this.socket.bufferedAmount - this.repliesInFlight > this.ctx.limits.maxQueuedBytes) {
      sent?.()
      this.ctx.metrics.slowReaders.inc()
      const limit = this.ctx.limits.maxQueuedBytes
      this.refuse(new RotaServerError(ServerErrorCode.SlowReader, `more than ${limit} bytes waiting to be read`, { limit }))
      return
    }
    const { tally } = this.ctx.metrics
    countMessage(tally.messagesOut, messageTypeName(message[0] ?? -1))
    tally.bytes.payloadOut += message.length
    // Everything sent to this socket before the next process.nextTick (the rest of the current handler: a
    // burst of edits relayed, their acks) leaves in one write instead of a syscall per message.
    if (!this.corked) {
      this.corked = true
      this.tcp.cork()
      process.nextTick(this.uncork)
    }
    // A failed write surfaces as the socket's error and close.
    if (sent === undefined) {
      this.socket.send(message, { binary: true })
      return
    }
    this.repliesInFlight += message.length
    this.socket.send(message, { binary: true }, () => {
      this.repliesInFlight -= message.length
      sent()
    })
  }

  private uncork = (): void => {
    this.corked = false
    this.tcp.uncork()
  }

  /** Adds the TCP bytes moved since the last call to the tally (at scrape time and on close). */
  countWire(): void {
    const { bytes } = this.ctx.metrics.tally
    const { bytesRead, bytesWritten } = this.tcp
    bytes.wireIn += Math.max(0, bytesRead - this.wireRead)
    bytes.wireOut += Math.max(0, bytesWritten - this.wireWritten)
    this.wireRead = bytesRead
    this.wireWritten = bytesWritten
  }

  /**
   * Changes taken out of an update the server kept (admit.ts): a Rota client (`ack=1`) learns which and why
   * (RotaDenied); a stock client gets y-protocols' permission-denied. Both receive the entry that puts the
   * refused values back, so their document shows the server's state and later edits sync as usual.
   */
  private denyChanges(changes: DeniedChange[]): void {
    this.log.info({ sub: this.identity?.sub, changes: changes.map(({ path, reason }) => ({ path, reason })) }, 'changes taken out of an update')
    if (this.params.ack) this.send(deniedMessage({ code: ServerErrorCode.Forbidden, changes }))
    else this.send(permissionDeniedMessage(changes.map((change) => change.reason).join('; ')))
  }

  /** Refused update (auth): tell the client with the y-protocols permission-denied message, keep the connection. */
  private deny(err: RotaServerError): void {
    this.ctx.metrics.rejected.inc({ reason: 'forbidden' })
    this.log.info({ code: err.code, reason: err.message }, 'update refused')
    this.send(permissionDeniedMessage(err.message))
  }

  private refuse(err: unknown): void {
    const code = codeOf(err) ?? ServerErrorCode.Internal
    const message = err instanceof Error ? err.message : String(err)
    this.ctx.metrics.rejected.inc({ reason: code })
    if (isRotaServerError(err) || authErrorCodes.has(code)) {
      const details = isRotaServerError(err) ? err.details : undefined
      this.ctx.clientLog(this.address, { doc: this.params.doc, code, reason: message, details }, 'connection refused')
    } else {
      this.log.error({ err }, 'connection failed')
    }
    this.close(closeCodeOf(code), message)
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    closeWithin(this.socket, code, reasonOf(reason), this.ctx.limits.closeTimeoutMs)
    this.cleanup()
  }

  private ping = (): void => {
    if (!this.alive) {
      this.socket.terminate()
      this.cleanup()
      return
    }
    this.alive = false
    this.socket.ping()
  }

  private onClose = (): void => {
    this.countWire()
    this.ctx.metrics.tally.wireSources.delete(this)
    this.cleanup()
  }

  private doneAuthenticating(): void {
    if (this.ctx.authenticating.delete(this)) this.ctx.metrics.authenticating.set(this.ctx.authenticating.size)
  }

  private cleanup(): void {
    if (this.closed) return
    this.closed = true
    this.doneAuthenticating()
    clearInterval(this.pingTimer)
    this.ctx.metrics.connections.dec()
    if (this.room !== undefined) this.ctx.rooms.leave(this.room, this)
  }
}

const toBytes = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data
