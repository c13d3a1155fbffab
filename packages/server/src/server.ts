import Fastify, { LogController, type FastifyError } from 'fastify'
import fastifyWebsocket, { type WebsocketPluginOptions } from '@fastify/websocket'
import fastifySwagger from '@fastify/swagger'
import { clientCompressionModes, defaultClientCompression, defaultCompressionThreshold, defaultHost, defaultLogLevel, defaultPingIntervalMs, defaultRoomHibernateMs, defaultRoomIdleMs, hardPayloadCap, resolveLimits } from './config.ts'
import { RotaServerError, ServerErrorCode, authErrorCodes, codeOf, isRotaServerError } from './errors.ts'
import { resolveHooks } from './hooks.ts'
import { frameworkErrors, rewriteUrl } from './badUrl.ts'
import { createClientLog } from './clientLog.ts'
import { capUnfinishedRequests, httpServerOptions } from './httpLimits.ts'
import { withRedaction } from './logging.ts'
import { shutdown } from './shutdown.ts'
import { trackSockets } from './sockets.ts'
import { syncInflateWebSocket } from './inflate.ts'
import { lazySerializerBuilder, lazyValidatorBuilder } from './lazyCompilers.ts'
import { createMetrics } from './metrics.ts'
import { createRooms } from './rooms.ts'
import { createReplication } from './replication.ts'
import { syncPlugin } from './plugins/sync.ts'
import { healthPlugin } from './plugins/health.ts'
import { metricsPlugin } from './plugins/metrics.ts'
import { restPlugin } from './plugins/rest.ts'
import { registerWeb } from './plugins/web.ts'
import { createExtensionHttp } from './extensionHttp.ts'
import { errorBody } from './httpShapes.ts'
import type { RotaServer, ServerOptions } from './types.ts'

/** `/readyz` reads the head of this (never created) document to see that the log answers. */
const READINESS_PROBE = 'rota-readiness-probe'
const READINESS_TIMEOUT_MS = 1000

/**
 * Starts a Rota server: fastify with the sync (WebSocket), REST, metrics, health and web
 * plugins around one room registry. Validates the options, then listens.
 */
export const startServer = async (options: ServerOptions): Promise<RotaServer> => {
  if (options === null || typeof options !== 'object' || typeof options.log?.append !== 'function') {
    throw new TypeError('startServer needs options.log, an UpdateLog')
  }
  const limits = resolveLimits(options.limits)
  const compressionThreshold = options.compressionThreshold ?? defaultCompressionThreshold
  if (!Number.isInteger(compressionThreshold) || compressionThreshold < 0) {
    throw new RangeError('compressionThreshold must be a non-negative integer')
  }
  const clientCompression = options.clientCompression ?? defaultClientCompression
  if (!clientCompressionModes.includes(clientCompression)) {
    throw new RangeError(`clientCompression must be one of ${clientCompressionModes.join(', ')}`)
  }
  if (options.replication !== undefined && typeof options.replication?.bus?.publish !== 'function') {
    throw new TypeError('options.replication needs a bus (see bus.ts)')
  }
  const hooks = resolveHooks(options.hooks)
  const metrics = options.metrics ?? createMetrics()
  const { log } = options
  let accepting = true

  const app = Fastify({
    logger: options.logger === false ? false : withRedaction(options.logger ?? { level: defaultLogLevel }),
    ...httpServerOptions(limits),
    rewriteUrl,
    frameworkErrors,
    bodyLimit: limits.maxBodySize,
    // One line per request at info is noise next to /metrics scrapes: see the onResponse hook.
    logController: new LogController({ disableRequestLogging: true }),
    // Document names are URL-encoded into one segment (`acme%2Fw48`): keep them whole, however long, so that
    // parseDocName refuses an overlong one with 400 ROTA_ERR_BAD_DOC_NAME (Node caps a request line at 16 KiB).
    routerOptions: { maxParamLength: 16 * 1024 },
    // Each route's schemas are compiled when the route is first used, not while the server starts (lazyCompilers.ts).
    schemaController: { compilersFactory: { buildValidator: lazyValidatorBuilder(), buildSerializer: lazySerializerBuilder() } },
  })
  const sockets = trackSockets(app.server)
  const clientLog = createClientLog(app.log)
  capUnfinishedRequests(app.server, limits.maxUnfinishedRequestsPerAddress, (address) => {
    metrics.httpRefused.inc()
    clientLog(address, { limit: limits.maxUnfinishedRequestsPerAddress }, 'HTTP connection refused: too many unfinished requests')
  })

  // Several instances on one shared log: the bus sees rooms load and unload, and feeds them (replication.ts).
  const replication = options.replication === undefined ? undefined : createReplication(options.replication, { log, metrics, logger: app.log })
  const rooms = createRooms({
    log,
    hooks,
    metrics,
    logger: app.log,
    idleMs: options.roomIdleMs ?? defaultRoomIdleMs,
    hibernateMs: options.roomHibernateMs ?? defaultRoomHibernateMs,
    maxDocNameLength: limits.maxDocNameLength,
    ...(replication === undefined ? {} : { events: replication.events }),
  })
  await replication?.start(rooms)

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const code = codeOf(err)
    if (err.validation) {
      return reply.code(400).send(errorBody(ServerErrorCode.BadRequest, err.message, { validation: err.validation }))
    }
    if (isRotaServerError(err)) return reply.code(err.status).send(errorBody(err.code, err.message, err.details))
    if (code !== undefined && authErrorCodes.has(code)) return reply.code(401).send(errorBody(code, err.message))
    if (err.statusCode !== undefined && err.statusCode < 500) {
      return reply.code(err.statusCode).send(errorBody(ServerErrorCode.BadRequest, err.message, { fastify: err.code }))
    }
    request.log.error({ err }, 'request failed')
    return reply.code(500).send(errorBody(ServerErrorCode.Internal, 'internal error'))
  })
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(ServerErrorCode.NotFound, `no route ${request.method} ${request.url.split('?')[0]}`)),
  )
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpResponses.inc({ status: `${Math.floor(reply.statusCode / 100)}xx` })
    // The path only: a query may carry a token.
    const line = { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }
    if (reply.statusCode >= 500) request.log.warn(line, 'request failed')
    else request.log.debug(line, 'request')
  })

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Rota API', version: '0.1.0', description: 'Documents, history and updates of Rota schedules.' },
      tags: [
        { name: 'documents', description: 'Schedules as JSON, edits as path operations, history and restore' },
        { name: 'updates', description: 'Binary Yjs updates for server-to-server use' },
        { name: 'teams', description: 'Per-team settings: role rules' },
        { name: 'operations', description: 'Health and metrics' },
      ],
    },
  })
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: hardPayloadCap(limits),
      // ws honours the threshold only without server context takeover; it also frees the
      // compressor's window between messages, which keeps per-connection memory small.
      perMessageDeflate: {
        threshold: compressionThreshold,
        serverNoContextTakeover: true,
        clientNoContextTakeover: clientCompression === 'large-messages',
      },
      // Inflates clients' small frames synchronously instead of through zlib's thread pool (see inflate.ts).
      // (@fastify/websocket types the option as ws's module namespace; ws takes any subclass of its WebSocket.)
      WebSocket: syncInflateWebSocket as unknown as NonNullable<NonNullable<WebsocketPluginOptions['options']>['WebSocket']>,
    },
    // Our own close(): connections get 1001 before fastify stops.
    preClose: (done) => done(),
    // Frames ws refuses (too large, bad compressed data, impossible lengths) are the client's mistake: info, rate-limited.
    errorHandler: (error, socket, request) => {
      clientLog(request.socket.remoteAddress ?? 'unknown', { code: codeOf(error), reason: error.message }, 'WebSocket protocol error')
      socket.terminate()
    },
  })

  const connectionContext = {
    rooms,
    hooks,
    limits,
    metrics,
    logger: app.log,
    pingIntervalMs: options.pingIntervalMs ?? defaultPingIntervalMs,
    authenticating: new Set<object>(),
    clientLog,
  }
  const httpHandler = await registerWeb(app, options.webRoot)
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request) => {
      if (!accepting && request.ws) throw new RotaServerError(ServerErrorCode.ShuttingDown, 'server is shutting down')
    })
    await scope.register(syncPlugin, { context: connectionContext, ...(httpHandler ? { httpHandler } : {}) })
  })
  await app.register(restPlugin, { rooms, log, hooks, limits })
  await app.register(metricsPlugin, { metrics })
  // Ready: accepting, and the log answers a read within a second (a shared database down or unreachable is not ready).
  const logAnswers = (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS)
    })
    const read = log.head(READINESS_PROBE).then(() => true, () => false)
    return Promise.race([read, late]).finally(() => clearTimeout(timer))
  }
  await app.register(healthPlugin, { isReady: async () => accepting && (await logAnswers()) })
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  const http = createExtensionHttp(hooks, limits)
  for (const extension of options.extensions ?? []) await app.register(extension, { rooms, log, hooks, limits, http })

  await app.listen({ host: options.host ?? defaultHost, port: options.port ?? 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address')
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`

  let closing: Promise<void> | undefined
  const stopAccepting = () => {
    accepting = false
  }
  const close = () =>
    (closing ??= shutdown({ app, rooms, sockets, closeTimeoutMs: limits.closeTimeoutMs, stopAccepting }).finally(() => replication?.stop()))

  return { app, url, wsUrl: url.replace(/^http/, 'ws'), rooms, metrics, close }
}
