import * as encoding from 'lib0/encoding'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import * as Y from 'yjs'
import { stateParts, type UpdateLog } from '@rota/log'
import { writeConflictsNotice } from '@rota/protocol'
import type { Extension, ExtensionContext, UpdateEvent } from '@rota/server'
import type { EditEvent } from './history.ts'
import { createLogFeed, type LogFeed } from './feed.ts'
import type { DocLease } from './lease.ts'
import { startEviction } from './eviction.ts'
import { createResolverMetrics } from './metrics.ts'
import type { ResolverLog } from './pipeline.ts'
import type { RetentionOptions } from './retention.ts'
import { createResolver, type Resolver } from './resolver.ts'
import { conflictRoutes } from './routes.ts'
import { createMemoryStore, openLevelStore, type ResolverStore } from './store.ts'
import type { Conflict } from './types.ts'

export interface ResolverExtensionOptions {
  /** Where conflicts and team models live. Default: a LevelDB store in `dir`, or memory when neither is given. */
  store?: ResolverStore
  dir?: string
  /** The server's metrics registry (`createMetrics().registry`), so /metrics shows the resolver's figures. */
  registry?: Registry
  unchallengedAfterMs?: number
  /** How much history is kept in memory per document (see docs/resolver.md, "What detection costs"). */
  retention?: Partial<RetentionOptions>
  /** How long one slice of detection may hold the event loop. Default 2 ms. */
  sliceMs?: number
  /** How often documents that unloaded have their history dropped. Default 30 s. */
  evictEveryMs?: number
  /** A document whose room hibernates has its history dropped if its log has at most this many entries (eviction.ts). Default 1,000. */
  forgetHibernatedUpTo?: number
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
  const plugin = async (app: FastifyInstance, context: ExtensionContext): Promise<void> => {
    const { rooms, log } = context
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
    // A document that unloads, or hibernates with a short log, takes its history with it (eviction.ts).
    const stopEviction = startEviction({
      rooms, resolver, everyMs: options.evictEveryMs ?? 30_000,
      ...(options.forgetHibernatedUpTo === undefined ? {} : { forgetHibernatedUpTo: options.forgetHibernatedUpTo }),
    })
    app.addHook('onClose', async () => {
      stopEviction()
      unsubscribe()
      await feed?.stop()
      await resolver.idle()
      if (ownsStore) await store.close()
    })

    conflictRoutes(app, resolver, context)
    options.onReady?.(resolver)
  }
  return plugin
}

