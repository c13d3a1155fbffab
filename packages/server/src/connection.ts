import type { Socket } from 'node:net'
import type { WebSocket, RawData } from 'ws'
import type { FastifyBaseLogger as Logger } from 'fastify'
import * as awarenessProtocol from 'y-protocols/awareness'
import { checkAwarenessUpdate, createTokenBucket, type AwarenessEntry, type TokenBucket } from '@rota/auth'
import { CloseCode, UrlParam, encodeDurable, messageTypeName, type DurableClocks } from '@rota/protocol'
import { RotaServerError, ServerErrorCode, authErrorCodes, codeOf, isRotaServerError } from './errors.ts'
import type { DocName } from './docName.ts'
import type { Room, RoomMember } from './room.ts'
import type { RoomRegistry } from './rooms.ts'
import { countMessage, type ServerMetrics, type WireSource } from './metrics.ts'
import type { Identity, Limits, ServerHooks } from './types.ts'
import {
  awarenessMessage,
  permissionDeniedMessage,
  readClientMessage,
  readStateVector,
  syncStep1Message,
  syncStep2Message,
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

/** Which close code a refusal gets. */
const closeCodeOf = (code: string): number => {
  switch (code) {
    case ServerErrorCode.MessageTooBig:
      return CloseCode.MessageTooBig
    case ServerErrorCode.RateLimited:
      return CloseCode.RateLimited
    case ServerErrorCode.BadUpdate:
    case ServerErrorCode.BadAwareness:
      return CloseCode.PolicyViolation
    case ServerErrorCode.BadMessage:
      return CloseCode.ProtocolError
    case ServerErrorCode.Unauthorized:
      return CloseCode.Unauthorized
    case ServerErrorCode.Forbidden:
      return CloseCode.Forbidden
    case ServerErrorCode.AuthTimeout:
      return CloseCode.AuthTimeout
    case ServerErrorCode.LogFailed:
      return CloseCode.InternalError
    default:
      return authErrorCodes.has(code) ? CloseCode.Unauthorized : CloseCode.InternalError
  }
}

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

  constructor(
    private readonly socket: WebSocket,
    /** The TCP socket under the WebSocket, for wire byte counts. */
    private readonly tcp: Socket,
    private readonly params: ConnectionParams,
    private readonly ctx: ConnectionContext,
  ) {
    this.log = ctx.logger.child({ doc: params.doc })
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
    this.send(syncStep1Message(room.ydoc))
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
    if (this.ready && this.backlog === 0) {
      this.handle(bytes)
      return
    }
    this.backlog += 1
    this.queue = this.queue.then(() => {
      this.backlog -= 1
      if (!this.closed) this.handle(bytes)
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

  private handle(bytes: Uint8Array): void {
    try {
      const message = readClientMessage(bytes)
      countMessage(this.ctx.metrics.tally.messagesIn, message.kind)
      this.dispatch(message)
    } catch (err) {
      if (codeOf(err) === ServerErrorCode.Forbidden) this.deny(err as RotaServerError)
      else this.refuse(err)
    }
  }

  private dispatch(message: ClientMessage): void {
    const room = this.room
    if (room === undefined) return
    switch (message.kind) {
      case 'syncStep1': {
        const clientVector = readStateVector(message.stateVector)
        this.knownVector = message.stateVector
        this.send(syncStep2Message(room.ydoc, message.stateVector))
        if (this.params.ack) {
          const clocks: DurableClocks = new Map()
          for (const client of clientVector.keys()) clocks.set(client, room.durable.get(client) ?? 0)
          this.send(encodeDurable(clocks))
        }
        break
      }
      case 'syncStep2':
        // The client's reply to our step 1 carries what it did while away; the state vector of its own
        // step 1 says what it knew then, which the resolver needs to tell concurrent edits apart.
        this.submit(room, message.update, this.knownVectorDetails())
        break
      case 'update':
        this.submit(room, message.update)
        break
      case 'awareness':
        this.applyAwareness(room, message.update)
        break
      case 'queryAwareness':
        this.send(awarenessMessage(room.awareness, [...room.awareness.getStates().keys()]))
        break
      case 'auth':
        break
    }
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

  private submit(room: Room, update: Uint8Array, details?: Record<string, unknown>): void {
    const identity = this.identity as Identity
    const meta = {
      actor: identity.sub,
      role: identity.role,
      origin: 'ws' as const,
      ...(this.params.clientTime === undefined ? {} : { clientTime: this.params.clientTime }),
      ...(details === undefined ? {} : { details }),
    }
    const durable = this.ctx.rooms.submit(room, update, meta, { identity, except: this })
    durable.then(
      ({ clientIds }) => {
        if (!this.params.ack || this.closed) return
        const clocks: DurableClocks = new Map()
        // The room's clocks, not just this update's: earlier appends are durable too by now.
        for (const client of clientIds) clocks.set(client, room.durable.get(client) ?? 0)
        this.send(encodeDurable(clocks))
      },
      (err: unknown) => this.log.warn({ err }, 'update not stored'),
    )
  }

  send(message: Uint8Array): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return
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
    this.socket.send(message, { binary: true })
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
      this.log.info({ code, reason: message, details: isRotaServerError(err) ? err.details : undefined }, 'connection refused')
    } else {
      this.log.error({ err }, 'connection failed')
    }
    this.close(closeCodeOf(code), message)
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    this.socket.close(code, reasonOf(reason))
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
