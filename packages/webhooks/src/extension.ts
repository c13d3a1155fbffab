import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { PublishEvent, PublishListener } from '@rota/publish'
import { type Extension, type ExtensionContext, createLocks } from '@rota/server'
import { createEndpoints, type Endpoints } from './endpoints.ts'
import { isWebhookError } from './errors.ts'
import { webhookEventsOf } from './events.ts'
import { createMemoryKeyValue, openLevelKeyValue, type KeyValue } from './kv.ts'
import { createWebhookMetrics } from './metrics.ts'
import { createOutbox, type Outbox } from './outbox.ts'
import { defaultRetryPolicy, type RetryPolicy } from './policy.ts'
import { webhookRoutes } from './routes.ts'
import { realScheduler, type Scheduler } from './scheduler.ts'
import { httpSend, type Send } from './send.ts'
import { createWebhookStore, type WebhookStore } from './store.ts'

export interface WebhooksOptions {
  /** Where endpoints, the outbox and the delivery log live: a LevelDB directory, or memory when left out. */
  dir?: string
  /** Or a key-value store of one's own (tests). */
  store?: KeyValue
  /** The server's metrics registry, so /metrics shows the delivery figures. */
  registry?: Registry
  /** Deliver to loopback, private and link-local addresses too (default false: see url.ts on SSRF). */
  allowPrivateAddresses?: boolean
  /** Time and wake-ups (tests move time by hand). */
  scheduler?: Scheduler
  /** How attempts go out (default node:http(s)). */
  send?: Send
  /** Backoff, retry window, disabling and the attempt timeout; defaults in policy.ts. */
  policy?: Partial<RetryPolicy>
  onReady?: (handle: WebhooksHandle) => void
}

/** What tests and embedders reach: the dispatcher, the endpoint operations and the store. */
export interface WebhooksHandle {
  outbox: Outbox
  endpoints: Endpoints
  store: WebhookStore
}

export interface Webhooks {
  /** The server extension: the routes under /api/teams/:tenant/webhooks and the dispatcher. */
  extension: Extension
  /** For `publishExtension({ onEvent })`: queues each publication and inbox item for the endpoints subscribed to it. */
  publishListener: PublishListener
}

/**
 * Webhooks as a server extension fed by @rota/publish's events. The listener resolves once the deliveries are
 * in the durable outbox, so a route that published has queued its webhooks before it answers. Register the
 * extension before publishing's, so it is ready when the first event comes.
 */
export const createWebhooks = (options: WebhooksOptions = {}): Webhooks => {
  const scheduler = options.scheduler ?? realScheduler
  let signalReady: (outbox: Outbox) => void = () => undefined
  const ready = new Promise<Outbox>((resolve) => (signalReady = resolve))

  const extension: Extension = async (app: FastifyInstance, { hooks, http }: ExtensionContext) => {
    const ownsStore = options.store === undefined
    const kv = options.store ?? (options.dir === undefined ? createMemoryKeyValue() : await openLevelKeyValue(options.dir))
    const store = createWebhookStore(kv)
    const metrics = options.registry === undefined ? undefined : createWebhookMetrics(options.registry)
    const locks = createLocks()
    const allowPrivateAddresses = options.allowPrivateAddresses === true
    const outbox = createOutbox({
      store, scheduler, locks, metrics, allowPrivateAddresses,
      send: options.send ?? httpSend,
      policy: { ...defaultRetryPolicy, ...options.policy },
      onError: (err) => app.log.warn({ err }, 'webhook dispatch failed'),
    })
    const endpoints = createEndpoints({ store, locks, allowPrivateAddresses, metrics, now: scheduler.now, wake: outbox.wake })
    if (metrics !== undefined) {
      metrics.disabled.set((await store.allEndpoints()).filter((e) => !e.enabled).length)
      metrics.waiting.set(await store.waiting())
    }
    app.addHook('onClose', async () => {
      await outbox.stop()
      if (ownsStore) await kv.close()
    })

    http.authenticate(app)
    http.handleErrors(app, { isOwn: isWebhookError })
    webhookRoutes(app, hooks, endpoints)
    // What was pending when the server last stopped goes out now.
    outbox.wake()
    signalReady(outbox)
    options.onReady?.({ outbox, endpoints, store })
  }

  const publishListener = async (event: PublishEvent): Promise<void> => {
    const events = webhookEventsOf(event, scheduler.now())
    if (events.length === 0) return
    await (await ready).enqueue(events)
  }

  return { extension, publishListener }
}
