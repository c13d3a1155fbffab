/**
 * The `Bus` port (@rota/server, bus.ts) on Redis Pub/Sub: one channel per document
 * (`<prefix>:d:<doc>`) and one for the instances' heartbeats (`<prefix>:instances`), two ioredis
 * connections (a subscriber, a publisher).
 *
 * Redis only hurries; the shared log decides. So, on purpose:
 * - no offline queue on either connection: a publish while Redis is away answers false at once (the
 *   server's heads repair delivers the update later) instead of piling up in memory, and a subscribe
 *   while it is away does not wait;
 * - every subscription is made again, explicitly, on each `ready` (ioredis's auto-resubscribe is off,
 *   so there is one path, and `status(true)` is reported only once they are all live again);
 * - a command that gets no answer fails after `commandTimeoutMs` (a half-open socket cannot hang a load);
 * - our own echo (Redis delivers a publisher's message to its own subscriber too) is dropped here, as the
 *   port requires; a message that does not decode is dropped and logged, never thrown into the server.
 */
import { Redis, type RedisOptions } from 'ioredis'
import type { Bus, BusHandlers, BusMessage } from '@rota/server'
import { decodeEnvelope, encodeEnvelope } from './envelope.ts'
import { BusErrorCode, RotaBusError } from './errors.ts'

/** What the bus logs through (pino's methods; the server's logger fits). */
export interface BusLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

export interface RedisBusOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
  url: string
  /** This instance's id; unique among the instances on one Redis and prefix. */
  instanceId: string
  /** Channel prefix, so that several deployments can share one Redis. Default `rota`. */
  prefix?: string
  /** A command without an answer fails after this long. Default 1000. */
  commandTimeoutMs?: number
  /** Longest wait between reconnect attempts. Default 1000. */
  maxReconnectDelayMs?: number
  logger?: BusLogger
}

const silent: BusLogger = { info: () => undefined, warn: () => undefined, debug: () => undefined }

/** Subscriptions are sent in chunks, so that a server with many open documents does not send one huge command. */
const subscribeChunk = 500

const validate = (options: RedisBusOptions): void => {
  if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new RotaBusError(BusErrorCode.BadConfig, 'the bus URL must start with redis:// or rediss://', { field: 'url' })
  }
  if (typeof options.instanceId !== 'string' || options.instanceId.length === 0 || options.instanceId.length > 200) {
    throw new RotaBusError(BusErrorCode.BadConfig, 'the instance id must be 1 to 200 characters', { field: 'instanceId' })
  }
}

/** The URL without its password, for logs. */
export const describeBusUrl = (url: string): string => url.replace(/\/\/([^@/]*)@/, (_, auth: string) => `//${auth.split(':')[0] ?? ''}:***@`)

export const createRedisBus = (options: RedisBusOptions): Bus => {
  validate(options)
  const { instanceId } = options
  const logger = options.logger ?? silent
  const prefix = options.prefix ?? 'rota'
  const docPrefix = `${prefix}:d:`
  const instancesChannel = `${prefix}:instances`
  const where = describeBusUrl(options.url)
  const connection: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(50 * attempt, options.maxReconnectDelayMs ?? 1000),
  }
  const sub = new Redis(options.url, { ...connection, connectionName: `rota-bus-sub-${instanceId}` })
  const pub = new Redis(options.url, { ...connection, connectionName: `rota-bus-pub-${instanceId}` })
  const docs = new Set<string>()
  let handlers: BusHandlers | undefined
  let up = false
  let closed = false

  const report = (connected: boolean): void => {
    if (up === connected || closed) return
    up = connected
    if (connected) logger.info({ bus: where }, 'bus: Redis connected')
    else logger.warn({ bus: where }, 'bus: Redis connection lost; reconnecting')
    handlers?.status(connected)
  }

  /** Makes every subscription live again, then says so. */
  const resubscribe = async (): Promise<void> => {
    const channels = [instancesChannel, ...[...docs].map((doc) => docPrefix + doc)]
    try {
      for (let i = 0; i < channels.length; i += subscribeChunk) await sub.subscribe(...channels.slice(i, i + subscribeChunk))
      report(true)
    } catch (err) {
      // The connection went again meanwhile: the next `ready` retries.
      logger.debug({ err, bus: where }, 'bus: resubscribing failed')
    }
  }

  sub.on('ready', () => void resubscribe())
  sub.on('close', () => report(false))
  // ioredis reports each failed attempt; `report` logs the state change once, the details go to debug.
  for (const connection of [sub, pub]) connection.on('error', (err: Error) => logger.debug({ err, bus: where }, 'bus: Redis error'))
  sub.on('messageBuffer', (channel: Buffer, bytes: Buffer) => {
    let decoded: { from: string; message: BusMessage }
    try {
      decoded = decodeEnvelope(bytes)
    } catch (err) {
      logger.warn({ err, channel: channel.toString() }, 'bus: dropped a message that does not decode')
      return
    }
    if (decoded.from === instanceId) return
    handlers?.message(decoded.from, decoded.message)
  })

  const channelOf = (message: BusMessage): string => ('doc' in message ? docPrefix + message.doc : instancesChannel)

  /** Connects (once); resolves when connected or failed (ioredis keeps retrying by itself). */
  const connect = (redis: Redis): Promise<void> => redis.connect().catch((err: unknown) => logger.debug({ err, bus: where }, 'bus: first connect failed'))

  return {
    instanceId,
    async start(given) {
      handlers = given
      await Promise.all([connect(sub), connect(pub)])
      if (!up) given.status(false)
    },
    async publish(message) {
      if (closed || pub.status !== 'ready') return false
      try {
        await pub.publish(channelOf(message), Buffer.from(encodeEnvelope(instanceId, message)))
        return true
      } catch {
        return false
      }
    },
    async subscribe(doc) {
      docs.add(doc)
      if (sub.status !== 'ready') return
      await sub.subscribe(docPrefix + doc).catch((err: unknown) => logger.debug({ err, doc }, 'bus: subscribe failed; retried on reconnect'))
    },
    async unsubscribe(doc) {
      docs.delete(doc)
      if (sub.status !== 'ready') return
      await sub.unsubscribe(docPrefix + doc).catch(() => undefined)
    },
    async close() {
      closed = true
      handlers = undefined
      // QUIT lets what was published before it go out; disconnect() when there is no connection to quit.
      await Promise.all(
        [sub, pub].map((redis) => (redis.status === 'ready' ? redis.quit().then(() => undefined, () => redis.disconnect()) : redis.disconnect())),
      )
    },
  }
}
