import * as encoding from 'lib0/encoding'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Registry } from 'prom-client'
import * as Y from 'yjs'
import { stateParts, type UpdateLog } from '@rota/log'
import { writeConflictsNotice } from '@rota/protocol'
import { ServerErrorCode, authErrorCodes, parseDocName, type Extension, type ExtensionContext, type Identity, type UpdateEvent } from '@rota/server'
import { ResolverError, ResolverErrorCode, isResolverError } from './errors.ts'
import type { EditEvent } from './history.ts'
import { createLogFeed, type LogFeed } from './feed.ts'
import type { DocLease } from './lease.ts'
import { createResolverMetrics } from './metrics.ts'
import type { ResolverLog } from './pipeline.ts'
import type { RetentionOptions } from './retention.ts'
import { createResolver, type Resolver } from './resolver.ts'
import { createMemoryStore, openLevelStore, type ResolverStore } from './store.ts'
import { conflictKinds, conflictStatuses, type Conflict } from './types.ts'

export interface ResolverExtensionOptions {
  /** Where conflicts and team models live. Default: a LevelDB store in `dir`, or memory when neither is given. */
  store?: ResolverStore
  dir?: string
  /** The server's metrics registry (`createMetrics().registry`), so /metrics shows the resolver's figures. */
  registry?: Registry
  unchallengedAfterMs?: number
  /** How much history is kept in memory per document (see docs/resolver.md, "What detection costs"). */
  retention?: Partial<RetentionOptions>
  /** How long one slice of detection may hold the event loop. Default 8 ms. */
  sliceMs?: number
  /** How often documents that unloaded have their history dropped. Default 30 s. */
  evictEveryMs?: number
  /** Called with the engine once the plugin is ready (tests, the evaluation, the CLI). */
  onReady?: (resolver: Resolver) => void
  /**
   * Several instances on one shared store (PostgreSQL): each document is examined by the holder of its
   * lease, fed from the log in seq order (feed.ts) rather than from this instance's rooms.onUpdate.
   */
  shared?: SharedOptions
  /**
   * Told of the conflicts each examined update created or grew (open: someone must decide; auto_applied:
   * resolved automatically), once stored. `rota serve` hands them to the publish inbox. Failures are logged.
   */
  onConflicts?: (doc: string, conflicts: Conflict[]) => void | Promise<void>
}

export interface SharedOptions {
  lease: DocLease
  /** How often held leases are renewed and other instances' entries picked up. Default 2 s (keep it well under the lease's TTL). */
  tickEveryMs?: number
  /** Called with the feed once it runs (tests step it with `tick()`). */
  onFeed?: (feed: LogFeed) => void
}

const MAX_DOC_NAME = 512
const deciders = new Set(['lead', 'manager', 'admin'])
/** Whether a role may resolve or dismiss conflicts (the conflicts API's rule; the publish inbox tells these people). */
export const mayDecideConflicts = (role: string): boolean => deciders.has(role)

const errorBody = (code: string, message: string, details: unknown = {}) => ({ error: { code, message, details } })

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } } } },
} as const

const opSchema = { type: 'object', properties: { op: { type: 'string' }, path: { type: 'string' }, value: {} }, required: ['op', 'path'] } as const
const conflictSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...conflictKinds] },
    refs: {
      type: 'object',
      properties: {
        shifts: { type: 'array', items: { type: 'string' } },
        staff: { type: 'array', items: { type: 'string' } },
        paths: { type: 'array', items: { type: 'string' } },
        coverage: {
          anyOf: [{ type: 'null' }, { type: 'object', properties: { role: { type: 'string' }, date: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' } } }],
        },
      },
    },
    edits: {
      type: 'array',
      items: { type: 'object', properties: { editorId: { type: 'string' }, role: { type: 'string' }, clientTime: { type: 'string' }, receivedAt: { type: 'string' } } },
    },
    options: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' }, keeps: { type: 'array', items: { type: 'string' } }, label: { type: 'string' }, ops: { type: 'array', items: opSchema } } },
    },
    suggestion: { type: 'object', properties: { optionId: { type: 'string' }, confidence: { type: 'number' }, strategy: { type: 'string' } } },
    status: { type: 'string', enum: [...conflictStatuses] },
    appliedOptionId: { type: ['string', 'null'] },
    detectedAt: { type: 'string' },
    resolvedAt: { type: ['string', 'null'] },
    resolvedBy: { type: ['string', 'null'] },
  },
} as const

const docParams = { type: 'object', properties: { doc: { type: 'string', minLength: 1 } }, required: ['doc'] } as const
const conflictParams = { type: 'object', properties: { doc: { type: 'string', minLength: 1 }, id: { type: 'string', minLength: 1 } }, required: ['doc', 'id'] } as const
const replies = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema }

/**
 * The SyncStep1 state vector the server attaches (base64, `meta.details.knownStateVector`) to an update a
 * connection sent as its sync reply. Stored in the log, so a replay after a restart sees it too.
 */
const knownStateVectorOf = (event: { meta: UpdateEvent['meta'] }): Uint8Array | undefined => {
  const encoded = event.meta.details?.knownStateVector
  return typeof encoded === 'string' ? new Uint8Array(Buffer.from(encoded, 'base64')) : undefined
}

/**
 * The author's view the server judged a sync reply on (`meta.details.view`: the state at `seq` plus the
 * later entries `also`, see packages/server/src/view.ts): the resolver takes the same cut, not its own.
 */
const knownSeqsOf = (event: { meta: UpdateEvent['meta'] }): EditEvent['knownSeqs'] => {
  const view = event.meta.details?.view as { seq?: unknown; also?: unknown } | undefined
  if (typeof view?.seq !== 'number' || !Array.isArray(view.also)) return undefined
  return { upTo: view.seq, also: view.also.filter((seq): seq is number => typeof seq === 'number') }
}

export const editEventOf = (event: { seq: number; update: Uint8Array; meta: UpdateEvent['meta'] }): EditEvent => {
  const sv = knownStateVectorOf(event)
  const knownSeqs = knownSeqsOf(event)
  return {
    seq: event.seq, update: event.update, actor: event.meta.actor, role: event.meta.role, origin: event.meta.origin,
    receivedAt: event.meta.receivedAt,
    ...(event.meta.clientTime === undefined ? {} : { clientTime: event.meta.clientTime }),
    ...(sv ? { knownStateVector: sv } : {}),
    ...(knownSeqs ? { knownSeqs } : {}),
  }
}

/** The server's update log as the resolver reads it: entries by seq, and a document's state at a seq (its checkpoint). */
export const resolverLogOf = (log: UpdateLog): ResolverLog => ({
  async *read(doc, fromSeq, toSeq) {
    if (toSeq < fromSeq) return
    for await (const entry of log.read(doc, { fromSeq, toSeq })) yield editEventOf(entry)
  },
  async stateAt(doc, seq) {
    const parts = await stateParts(log, doc, { seq })
    return parts.map((p) => (p.encoding === 'v2' ? Y.convertUpdateFormatV2ToV1(p.update) : p.update))
  },
})

/** The shared-store feed: stepped on every local update, and every `tickEveryMs` for renewal and takeover. */
const startFeed = (shared: SharedOptions, resolver: Resolver, log: UpdateLog, openDocs: () => string[], app: FastifyInstance): LogFeed => {
  const feed = createLogFeed({
    resolver, lease: shared.lease,
    log: { ...resolverLogOf(log), head: async (doc) => (await log.head(doc))?.headSeq ?? 0 },
    isOpen: (doc) => openDocs().includes(doc),
    onError: (err, doc) => app.log.warn({ err, doc }, 'resolver feed failed on a document'),
  })
  const every = setInterval(() => void feed.tick(), shared.tickEveryMs ?? 2000)
  every.unref()
  app.addHook('onClose', async () => clearInterval(every))
  shared.onFeed?.(feed)
  return feed
}

/**
 * The resolver as a server extension: watches every update through `rooms.onUpdate`, applies automatic
 * resolutions through `rooms.change` (origin `resolver`), pushes RotaConflicts notices to the connected
 * editors that asked for Rota's messages (`ack=1`; `rooms.broadcast` never hands them to a stock y-websocket
 * client), and serves the conflicts API.
 */
export const resolverExtension = (options: ResolverExtensionOptions = {}): Extension => {
  const plugin = async (app: FastifyInstance, { rooms, log, hooks }: ExtensionContext): Promise<void> => {
    const ownsStore = options.store === undefined
    const store = options.store ?? (options.dir ? await openLevelStore(options.dir) : createMemoryStore())
    const metrics = options.registry ? createResolverMetrics(options.registry) : undefined
    const resolver = createResolver({
      store,
      // Other instances teach the same teams: read them from the store, not from a cache.
      ...(options.shared ? { cacheTeams: false, recoverClaims: true } : {}),
      ...(options.unchallengedAfterMs === undefined ? {} : { unchallengedAfterMs: options.unchallengedAfterMs }),
      ...(metrics ? { metrics } : {}),
      log: resolverLogOf(log),
      ...(options.retention ? { retention: options.retention } : {}),
      ...(options.sliceMs === undefined ? {} : { sliceMs: options.sliceMs }),
      change: async (doc, details, fn) => {
        await rooms.change(doc, { actor: 'resolver', role: 'system', origin: 'resolver', details }, fn)
      },
      notify: (doc, notice) => {
        const encoder = encoding.createEncoder()
        writeConflictsNotice(encoder, notice)
        rooms.broadcast(doc, encoding.toUint8Array(encoder))
      },
      ...(options.onConflicts === undefined ? {} : {
        onConflicts: async (doc: string, conflicts: Conflict[]) => {
          try {
            await options.onConflicts?.(doc, conflicts)
          } catch (err) {
            app.log.warn({ err, doc }, 'conflict listener failed')
          }
        },
      }),
    })
    const feed = options.shared ? startFeed(options.shared, resolver, log, rooms.openDocs, app) : undefined
    if (feed && metrics) {
      metrics.leasesFrom(() => {
        const waiting = feed.waiting()
        return { held: feed.held().size, waiting: waiting.docs, waitingMs: waiting.oldestMs }
      })
    }
    const unsubscribe = rooms.onUpdate((event) => {
      if (feed) return feed.poke(event.doc, event.seq)
      resolver.observe(event.doc, editEventOf(event)).catch((err: unknown) => { app.log.warn({ err, doc: event.doc }, 'resolver failed on an update') })
    })
    // A document that unloaded takes its history with it (read from the log again when next touched).
    const evictEvery = setInterval(() => {
      const open = new Set(rooms.openDocs())
      for (const doc of resolver.held()) if (!open.has(doc)) resolver.forget(doc)
    }, options.evictEveryMs ?? 30_000)
    evictEvery.unref()
    app.addHook('onClose', async () => {
      clearInterval(evictEvery)
      unsubscribe()
      await feed?.stop()
      await resolver.idle()
      if (ownsStore) await store.close()
    })

    app.decorateRequest('resolverIdentity', null as unknown as Identity)
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization
      const token = header?.startsWith('Bearer ') ? header.slice(7) : (request.query as Record<string, unknown>).token
      ;(request as FastifyRequest & { resolverIdentity: Identity }).resolverIdentity = await hooks.authenticate(typeof token === 'string' ? token : undefined)
    })
    app.setErrorHandler((err: FastifyError, request, reply: FastifyReply) => {
      const code = (err as { code?: unknown }).code
      if (err.validation) return reply.code(400).send(errorBody(ResolverErrorCode.BadInput, err.message, { validation: err.validation }))
      if (isResolverError(err)) return reply.code(err.status).send(errorBody(err.code, err.message, err.details))
      if (typeof code === 'string' && authErrorCodes.has(code)) return reply.code(401).send(errorBody(code, err.message))
      const status = (err as { status?: unknown }).status
      if (typeof code === 'string' && typeof status === 'number') return reply.code(status).send(errorBody(code, err.message, (err as { details?: unknown }).details))
      // fastify's own refusals of the request (a body that is not JSON or pollutes prototypes, a content type
      // no parser takes, a body over the limit) are the client's mistake: their 4xx, not a 500 and an error line.
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        return reply.code(err.statusCode).send(errorBody(ResolverErrorCode.BadInput, err.message, { fastify: err.code }))
      }
      request.log.error({ err }, 'resolver request failed')
      return reply.code(500).send(errorBody(ServerErrorCode.Internal, 'internal error'))
    })

    const identityOf = (request: FastifyRequest): Identity => (request as FastifyRequest & { resolverIdentity: Identity }).resolverIdentity
    const readable = (request: FastifyRequest): string => {
      const doc = parseDocName((request.params as { doc: string }).doc, MAX_DOC_NAME)
      if (!hooks.canRead(identityOf(request), doc)) throw new ResolverError(ResolverErrorCode.Forbidden, 'not allowed to read this document', { doc })
      return doc
    }
    const decider = (request: FastifyRequest): { doc: string; who: Identity } => {
      const doc = readable(request)
      const who = identityOf(request)
      if (!deciders.has(who.role)) throw new ResolverError(ResolverErrorCode.Forbidden, `a ${who.role} may not decide conflicts`, { role: who.role })
      return { doc, who }
    }

    app.get('/api/docs/:doc/conflicts', {
      schema: {
        tags: ['conflicts'],
        params: docParams,
        querystring: { type: 'object', properties: { status: { type: 'string', enum: [...conflictStatuses, 'all'] } } },
        response: { 200: { type: 'object', properties: { conflicts: { type: 'array', items: conflictSchema } } }, ...replies },
      },
    }, async (request) => {
      const doc = readable(request)
      const { status } = request.query as { status?: 'all' }
      return { conflicts: await resolver.list(doc, status ?? 'open') }
    })

    app.get('/api/docs/:doc/conflicts/:id', {
      schema: { tags: ['conflicts'], params: conflictParams, response: { 200: conflictSchema, ...replies } },
    }, async (request) => resolver.get(readable(request), (request.params as { id: string }).id))

    app.post('/api/docs/:doc/conflicts/:id/resolve', {
      schema: {
        tags: ['conflicts'], params: conflictParams,
        body: { type: 'object', properties: { optionId: { type: 'string', minLength: 1 } }, required: ['optionId'] },
        response: { 200: conflictSchema, ...replies },
      },
    }, async (request) => {
      const { doc, who } = decider(request)
      const { id } = request.params as { id: string }
      const { optionId } = request.body as { optionId: string }
      // The auth policy decides on the option's ops like on any other edit by this person.
      const option = (await resolver.get(doc, id)).options.find((o) => o.id === optionId)
      const decision = option ? hooks.authorizeOps(who, await rooms.getDoc(doc), option.ops) : { ok: true as const }
      if (!decision.ok) throw new ResolverError(ResolverErrorCode.Forbidden, decision.reason, { optionId })
      return resolver.resolve(doc, id, optionId, who.sub)
    })

    app.post('/api/docs/:doc/conflicts/:id/dismiss', {
      schema: { tags: ['conflicts'], params: conflictParams, response: { 200: conflictSchema, ...replies } },
    }, async (request) => {
      const { doc, who } = decider(request)
      return resolver.dismiss(doc, (request.params as { id: string }).id, who.sub)
    })

    const settingsSchema = {
      type: 'object',
      properties: { team: { type: 'string' }, threshold: { type: 'number' }, alwaysAsk: { type: 'array', items: { type: 'string' } } },
    } as const
    const admin = (request: FastifyRequest): string => {
      const team = (request.params as { team: string }).team
      const who = identityOf(request)
      if (!hooks.canAdmin(who, 'settings') || (who.tenant !== null && who.tenant !== team)) {
        throw new ResolverError(ResolverErrorCode.Forbidden, 'not allowed to change this team\'s resolver settings', { team })
      }
      return team
    }
    app.get('/api/teams/:team/resolver-settings', {
      schema: { tags: ['conflicts'], params: { type: 'object', properties: { team: { type: 'string', minLength: 1 } } }, response: { 200: settingsSchema, ...replies } },
    }, async (request) => {
      const team = admin(request)
      return { team, ...(await resolver.settings(team)) }
    })
    app.put('/api/teams/:team/resolver-settings', {
      schema: { tags: ['conflicts'], params: { type: 'object', properties: { team: { type: 'string', minLength: 1 } } }, response: { 200: settingsSchema, ...replies } },
    }, async (request) => {
      const team = admin(request)
      return { team, ...(await resolver.updateSettings(team, request.body as never)) }
    })
    options.onReady?.(resolver)
  }
  return plugin
}

