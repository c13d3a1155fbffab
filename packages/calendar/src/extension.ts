import type { FastifyInstance } from 'fastify'
import { type Extension, type ExtensionContext, createLocks } from '@rota/server'
import { createAccess } from './access.ts'
import { isCalendarError } from './errors.ts'
import type { PublicationSource } from './feed.ts'
import { createMemoryKeyValue, openLevelKeyValue, type KeyValue } from './kv.ts'
import { exportRoutes } from './routes/exports.ts'
import { feedRoutes } from './routes/feeds.ts'
import { icsRoutes } from './routes/ics.ts'
import type { CalendarContext } from './service.ts'
import { createFeedStore } from './store.ts'

export interface CalendarExtensionOptions {
  /** Where feeds and the events they showed live: a LevelDB directory, or memory when left out. */
  dir?: string
  /** Or a key-value store of one's own (tests). */
  store?: KeyValue
  /**
   * @rota/publish's publications (`PublicationStore`), or a function that returns them once publishing's
   * plugin is ready (`publishExtension({ onReady })`): the feed shows only what was published.
   */
  publications: PublicationSource | (() => PublicationSource | undefined)
  /** Days a cancelled shift stays in a feed as STATUS:CANCELLED (default 30). */
  retentionDays?: number
  /** Clock (tests). */
  now?: () => number
}

/**
 * Calendars and exports as a server extension: `GET /cal/<token>.ics` (no bearer: the token is the secret),
 * the feed routes under `/api/teams/:tenant/calendar-feeds/:staff` and the CSV exports under
 * `/api/docs/:doc/exports/` (bearer auth, as every /api route).
 */
export const calendarExtension = (options: CalendarExtensionOptions): Extension =>
  async (app: FastifyInstance, { rooms, log, hooks, http }: ExtensionContext) => {
    const ownsStore = options.store === undefined
    const kv = options.store ?? (options.dir === undefined ? createMemoryKeyValue() : await openLevelKeyValue(options.dir))
    const source = options.publications
    const ctx: CalendarContext = {
      log,
      feeds: createFeedStore(kv),
      publications: typeof source === 'function' ? source : () => source,
      now: options.now ?? Date.now,
      serial: createLocks(),
      ...(options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }),
    }
    app.addHook('onClose', async () => {
      if (ownsStore) await kv.close()
    })
    // The calendar's own codes in the server's error shape (the server's kit); everything else goes on to the server's handler.
    http.handleErrors(app, { isOwn: isCalendarError })
    // Two scopes: the feed itself answers without a bearer; everything under /api authenticates.
    await app.register(async (feedScope) => icsRoutes(feedScope, ctx))
    await app.register(async (api) => {
      http.authenticate(api)
      const access = createAccess(hooks, http)
      feedRoutes(api, ctx, access)
      exportRoutes(api, log, rooms, access)
    })
  }
