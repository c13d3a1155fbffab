import * as encoding from 'lib0/encoding'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { writeInboxNotice } from '@rota/protocol'
import type { Conflict } from '@rota/resolver'
import { type Extension, type ExtensionContext, type Identity, createLocks } from '@rota/server'
import { createAccess, docTenant } from './access.ts'
import type { ConflictSource } from './checks.ts'
import { tenantKey, type PublishContext } from './context.ts'
import { isPublishError } from './errors.ts'
import { observeStores, type PublishListener } from './events.ts'
import { createInboxStore } from './inbox.ts'
import { createMemoryKeyValue, openLevelKeyValue, type KeyValue } from './kv.ts'
import { createNotices } from './notices.ts'
import { createPeople } from './people.ts'
import { createPublishMetrics } from './metrics.ts'
import { inboxRoutes } from './routes/inbox.ts'
import { mineRoutes } from './routes/mine.ts'
import { publicationRoutes } from './routes/publications.ts'
import { settingsRoutes } from './routes/settings.ts'
import { createPublicationStore } from './store.ts'
import { createWatcher, type Watcher } from './watch.ts'

export interface PublishExtensionOptions {
  /** Where publications, receipts, settings and inboxes live: a LevelDB directory, or memory when left out. */
  dir?: string
  /** Or a key-value store of one's own (tests). */
  store?: KeyValue
  /** The server's metrics registry, so /metrics shows the publishing figures. */
  registry?: Registry
  /**
   * The open conflicts of a document, for previews and the confirmation (the resolver's `list(doc)`). A
   * function, so the resolver's engine can be handed over once it is ready (`resolverExtension({ onReady })`).
   */
  conflicts?: ConflictSource
  /**
   * Told of every publication and inbox item once stored (@rota/webhooks' `publishListener`); awaited, and its
   * failures are logged, never passed on. See events.ts.
   */
  onEvent?: PublishListener
  /** Clock (tests). */
  now?: () => number
  /**
   * Called once the plugin is ready, with what tests wait on and `notices`, whose `conflicts` takes the
   * resolver's `onConflicts` (`rota serve` wires the two; refused changes it hears from the server itself).
   */
  onReady?: (handle: { watcher: Watcher; context: PublishContext; notices: NoticeSink }) => void
}

/** The inbox events from outside publishing, as the extension hands them out (notices.ts); safe to call after close. */
export interface NoticeSink {
  conflicts(doc: string, conflicts: readonly Conflict[]): Promise<void>
  /** Resolves once every event handed over so far is delivered (tests, shutdown). */
  idle(): Promise<void>
}

/**
 * Publishing as a server extension: the publication, published-view, my-shifts, inbox and settings routes,
 * a watcher on every stored update (changes to published shifts), and RotaInbox pushes to the document's
 * Rota connections (`Rooms.broadcast` sends Rota types only to those opened with `ack=1`).
 */
export const publishExtension = (options: PublishExtensionOptions = {}): Extension =>
  async (app: FastifyInstance, { rooms, log, hooks, http }: ExtensionContext) => {
    const ownsStore = options.store === undefined
    const kv = options.store ?? (options.dir === undefined ? createMemoryKeyValue() : await openLevelKeyValue(options.dir))
    const stores = { publications: createPublicationStore(kv), inbox: createInboxStore(kv) }
    const observed = options.onEvent === undefined
      ? stores
      : observeStores(stores, docTenant, options.onEvent, (err) => app.log.warn({ err }, 'publish event listener failed'))
    const context: PublishContext = {
      log,
      ...observed,
      ...(options.conflicts === undefined ? {} : { conflicts: options.conflicts }),
      ...(options.registry === undefined ? {} : { metrics: createPublishMetrics(options.registry) }),
      notify: (doc, recipients, reason) => {
        const encoder = encoding.createEncoder()
        writeInboxNotice(encoder, { recipients, reason })
        rooms.broadcast(doc, encoding.toUint8Array(encoder))
      },
      now: options.now ?? Date.now,
      serial: createLocks(),
    }
    const watcher = createWatcher(context, (err, doc) => app.log.warn({ err, doc }, 'publish watcher failed on an update'))
    // Told of conflicts are those the conflicts API lets decide (@rota/resolver asks the same hook).
    const people = createPeople(kv, (who) => hooks.canAdmin(who, 'conflicts'))
    const notices = createNotices(context, people)
    // Deliveries in flight, so the store closes after them; after close, events are dropped (the resolver may outlive us).
    const pending = new Set<Promise<void>>()
    let closed = false
    const track = (what: string, doc: string, run: () => Promise<void>): Promise<void> => {
      if (closed) return Promise.resolve()
      const task = run().catch((err: unknown) => app.log.warn({ err, doc }, `publish inbox: ${what} not delivered`))
      pending.add(task)
      void task.finally(() => pending.delete(task))
      return task
    }
    const idle = async (): Promise<void> => {
      for (let round = 0; round < 100 && pending.size > 0; round++) await Promise.all([...pending])
    }
    const sink: NoticeSink = { conflicts: (doc, list) => track('conflict event', doc, () => notices.conflicts(doc, list)), idle }
    const unsubscribeRefused = rooms.onRefused((event) => void track('refused change', event.doc, () => notices.refused(event)))
    const unsubscribe = rooms.onUpdate((event) => {
      try {
        watcher.observe(event)
      } catch (err) {
        app.log.warn({ err, doc: event.doc }, 'publish watcher failed to read an update')
      }
    })
    app.addHook('onClose', async () => {
      unsubscribe()
      unsubscribeRefused()
      await watcher.drain()
      await idle()
      closed = true
      if (ownsStore) await kv.close()
    })

    http.authenticate(app)
    // Every token that uses these routes (the web app asks for its unread count on opening a schedule) tells
    // who its sub is as a person: what conflict events are addressed by (people.ts).
    app.addHook('preHandler', async (request) => {
      const who = request.identity as Identity | undefined
      if (who?.staffId !== undefined) await people.learn(tenantKey(who.tenant), who, context.now())
    })
    // Publishing's own codes in the server's error shape; everything else goes on to the server's handler.
    http.handleErrors(app, { isOwn: isPublishError })

    const access = createAccess(hooks, http)
    publicationRoutes(app, context, access, (doc) => watcher.forget(doc))
    mineRoutes(app, context, access)
    inboxRoutes(app, context, access)
    settingsRoutes(app, context, access)
    options.onReady?.({ watcher, context, notices: sink })
  }
