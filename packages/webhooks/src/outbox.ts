import type { Locks } from '@rota/server'
import { outcomeOf } from './attempt.ts'
import { newDeliveryId } from './ids.ts'
import type { WebhookMetrics } from './metrics.ts'
import type { RetryPolicy } from './policy.ts'
import type { Scheduler } from './scheduler.ts'
import type { Send } from './send.ts'
import { ATTEMPT_HEADER, EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.ts'
import type { Ref, WebhookStore } from './store.ts'
import type { Delivery, WebhookEvent } from './types.ts'

export interface OutboxOptions {
  store: WebhookStore
  send: Send
  scheduler: Scheduler
  policy: RetryPolicy
  allowPrivateAddresses: boolean
  /** Per endpoint (`tenant\0id`): attempts' outcomes, enable and remove take turns. */
  locks: Locks
  metrics?: WebhookMetrics
  onError(err: unknown): void
}

/** Due deliveries read per scan, and endpoints attempted at once (each endpoint's deliveries go one after another). */
const SCAN = 200
const PARALLEL_ENDPOINTS = 16

export const endpointLock = (tenant: string, id: string): string => `${tenant}\u0000${id}`

/**
 * The outbox's dispatcher: queues events for the endpoints that subscribed to them (in the store, durably,
 * before `enqueue` resolves), and attempts every delivery that is due. It runs when woken (an enqueue, an
 * enable, the start) and at the time the earliest pending delivery is due, through the scheduler; one run at a
 * time. What is pending when the process stops is in the store, and the next start attempts it.
 */
export const createOutbox = (o: OutboxOptions) => {
  let running: Promise<void> | undefined
  let again = false
  let stopped = false
  let cancelTimer: (() => void) | undefined

  /**
   * A due delivery whose endpoint is disabled waits, paused (an enable makes it due again); one whose endpoint was
   * removed (its records went with it, this one came later) is dropped as failed. Read again under the endpoint's
   * lock, so an enable that came in between is not undone.
   */
  const setAside = async (ref: Ref): Promise<void> => {
    const [delivery, endpoint] = await Promise.all([o.store.delivery(ref), o.store.endpoint(ref.tenant, ref.endpoint)])
    if (delivery === undefined || delivery.status !== 'pending' || endpoint?.enabled === true) return
    const status = endpoint === undefined ? 'failed' : 'paused'
    await o.store.save([{ delivery: { ...delivery, status, nextAt: null }, previous: delivery }])
    if (status === 'failed') o.metrics?.waiting.dec()
  }

  const attempt = async (ref: Ref): Promise<void> => {
    const delivery = await o.store.delivery(ref)
    if (delivery === undefined || delivery.status !== 'pending') return
    const endpoint = await o.store.endpoint(ref.tenant, ref.endpoint)
    if (endpoint === undefined || !endpoint.enabled) {
      await o.locks(endpointLock(ref.tenant, ref.endpoint), () => setAside(ref))
      return
    }
    const startedAt = o.scheduler.now()
    const clock = performance.now()
    const result = await o.send({
      url: endpoint.url,
      body: delivery.body,
      timeoutMs: o.policy.attemptTimeoutMs,
      allowPrivateAddresses: o.allowPrivateAddresses,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Rota-Webhooks/1',
        [ID_HEADER]: delivery.event.id,
        [EVENT_HEADER]: delivery.event.type,
        [ATTEMPT_HEADER]: String(delivery.attemptCount + 1),
        [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, delivery.body, startedAt),
      },
    })
    const ms = Math.round(performance.now() - clock)
    await o.locks(endpointLock(ref.tenant, ref.endpoint), async () => {
      const fresh = await o.store.endpoint(ref.tenant, ref.endpoint)
      if (fresh === undefined) return
      const outcome = outcomeOf(delivery, fresh, result, startedAt, o.scheduler.now(), ms, o.policy)
      await o.store.save([{ delivery: outcome.delivery, previous: delivery }], outcome.endpoint)
      if (outcome.kind === 'delivered') o.metrics?.delivered.inc()
      else if (outcome.kind === 'retry') o.metrics?.retried.inc()
      else o.metrics?.failed.inc()
      if (outcome.kind !== 'retry') o.metrics?.waiting.dec()
      if (outcome.disabled) o.metrics?.disabled.inc()
    })
  }

  /** Attempts the refs, one endpoint's after another's, PARALLEL_ENDPOINTS endpoints at a time. */
  const attemptAll = async (refs: Ref[]): Promise<void> => {
    const byEndpoint = new Map<string, Ref[]>()
    for (const ref of refs) {
      const k = endpointLock(ref.tenant, ref.endpoint)
      byEndpoint.set(k, [...(byEndpoint.get(k) ?? []), ref])
    }
    const queues = [...byEndpoint.values()]
    const worker = async () => {
      for (let queue = queues.shift(); queue !== undefined; queue = queues.shift()) {
        for (const ref of queue) {
          if (stopped) return
          await attempt(ref).catch(o.onError)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(PARALLEL_ENDPOINTS, queues.length) }, worker))
  }

  const runOnce = async (): Promise<void> => {
    for (;;) {
      const refs = await o.store.due(o.scheduler.now(), SCAN)
      await attemptAll(refs)
      if (refs.length < SCAN || stopped) break
    }
    if (stopped) return
    const next = await o.store.nextDue()
    cancelTimer?.()
    cancelTimer = next === undefined ? undefined : o.scheduler.at(next, wake)
  }

  /** Runs the dispatcher now (or right after the run in progress). */
  function wake(): void {
    if (stopped) return
    if (running !== undefined) {
      again = true
      return
    }
    running = (async () => {
      do {
        again = false
        await runOnce().catch(o.onError)
      } while (again && !stopped)
    })().finally(() => (running = undefined))
  }

  return {
    wake,
    /** Queues every event for each endpoint of its tenant subscribed to its type, durably; then wakes the dispatcher. */
    enqueue: async (events: readonly WebhookEvent[]): Promise<number> => {
      const now = o.scheduler.now()
      const changes: Array<{ delivery: Delivery }> = []
      for (const event of events) {
        const body = JSON.stringify(event)
        for (const endpoint of await o.store.endpoints(event.tenant)) {
          if (!endpoint.events.includes(event.type)) continue
          changes.push({
            delivery: {
              id: newDeliveryId(now), tenant: event.tenant, endpoint: endpoint.id, event: { id: event.id, type: event.type },
              // Pending even for a disabled endpoint: the dispatcher pauses it under the endpoint's lock (setAside),
              // so an enable running meanwhile cannot miss it.
              status: 'pending', createdAt: new Date(now).toISOString(), windowStart: null,
              nextAt: now, deliveredAt: null, attemptCount: 0, attempts: [], body,
            },
          })
        }
      }
      if (changes.length === 0) return 0
      await o.store.save(changes)
      o.metrics?.queued.inc(changes.length)
      o.metrics?.waiting.inc(changes.length)
      wake()
      return changes.length
    },
    /** Resolves once the run in progress (and any it asked for) is over (tests, shutdown). */
    idle: async (): Promise<void> => {
      while (running !== undefined) await running
    },
    /** No more runs; waits for the attempts in flight (each at most the attempt timeout). */
    stop: async (): Promise<void> => {
      stopped = true
      cancelTimer?.()
      while (running !== undefined) await running
    },
  }
}

export type Outbox = ReturnType<typeof createOutbox>
