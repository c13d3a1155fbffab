import { createLocks, type Locks } from '@rota/server'
import { WebhookError, WebhookErrorCode } from './errors.ts'
import { isEndpointId, newEndpointId } from './ids.ts'
import type { WebhookMetrics } from './metrics.ts'
import { endpointLock } from './outbox.ts'
import { MAX_SECRET_LENGTH, MIN_SECRET_LENGTH, newSecret } from './signature.ts'
import type { WebhookStore } from './store.ts'
import { eventTypes, isEventType, type Delivery, type Endpoint, type EndpointId, type EventType, type StoredEndpoint } from './types.ts'
import { parseWebhookUrl } from './url.ts'

/** Endpoints a tenant may register. */
export const MAX_ENDPOINTS_PER_TENANT = 50

export interface NewEndpoint {
  url: unknown
  events: unknown
  secret?: unknown
  description?: unknown
}

/** A delivery as the log shows it: its record without the body (the event, which can be large) and with the next attempt's time. */
export type DeliveryLogEntry = Omit<Delivery, 'body' | 'windowStart' | 'nextAt' | 'tenant'> & { nextAttemptAt: string | null }

const logEntry = ({ body: _body, windowStart: _w, nextAt, tenant: _t, ...rest }: Delivery): DeliveryLogEntry => ({
  ...rest, nextAttemptAt: nextAt === null ? null : new Date(nextAt).toISOString(),
})

/** The endpoint as the API shows it: everything but the secret. */
const publicEndpoint = ({ secret: _secret, ...rest }: StoredEndpoint): Endpoint => rest

/** Checks a registration and returns it normalised (events deduplicated, in catalogue order); throws WebhookError. */
export const validateNewEndpoint = (input: NewEndpoint, allowPrivateAddresses: boolean): { url: string; events: EventType[]; secret: string | undefined; description: string | null } => {
  const url = parseWebhookUrl(input.url, allowPrivateAddresses)
  const given = Array.isArray(input.events) ? input.events : []
  const unknown = given.filter((e) => !isEventType(e))
  if (given.length === 0 || unknown.length > 0) {
    throw new WebhookError(WebhookErrorCode.UnknownEvent, given.length === 0
      ? `name at least one event type (${eventTypes.join(', ')})`
      : `unknown event type ${unknown.map((e) => JSON.stringify(e)).join(', ')} (known: ${eventTypes.join(', ')})`, { unknown, known: [...eventTypes] })
  }
  const events = eventTypes.filter((e) => given.includes(e))
  const secret = input.secret
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH)) {
    throw new WebhookError(WebhookErrorCode.BadSecret, `a webhook secret has ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters (leave it out to have one made)`, {})
  }
  const description = typeof input.description === 'string' && input.description !== '' ? input.description.slice(0, 500) : null
  return { url, events, secret: secret as string | undefined, description }
}

export interface EndpointsOptions {
  store: WebhookStore
  /** Shared with the dispatcher, so an attempt's outcome and an enable or remove take turns (default: own). */
  locks?: Locks
  allowPrivateAddresses: boolean
  now(): number
  metrics?: WebhookMetrics
  /** After an enable: the paused deliveries are due now. */
  wake?(): void
}

/**
 * Registering, listing, removing and re-enabling a tenant's endpoints: the REST routes and the CLI's local mode
 * both go through these, so they validate and store the same way.
 */
export const createEndpoints = (options: EndpointsOptions) => {
  const o = { ...options, locks: options.locks ?? createLocks() }
  const find = async (tenant: string, id: string): Promise<StoredEndpoint> => {
    const found = isEndpointId(id) ? await o.store.endpoint(tenant, id) : undefined
    if (found === undefined) throw new WebhookError(WebhookErrorCode.NotFound, `no webhook endpoint ${id} in ${tenant}`, { tenant, id })
    return found
  }
  return {
    add: (tenant: string, input: NewEndpoint, by: string): Promise<{ endpoint: Endpoint; secret: string }> =>
      o.locks(`tenant\u0000${tenant}`, async () => {
        const valid = validateNewEndpoint(input, o.allowPrivateAddresses)
        const count = (await o.store.endpoints(tenant)).length
        if (count >= MAX_ENDPOINTS_PER_TENANT) {
          throw new WebhookError(WebhookErrorCode.TooMany, `${tenant} has ${count} webhook endpoints, the most it may have`, { tenant, max: MAX_ENDPOINTS_PER_TENANT })
        }
        const secret = valid.secret ?? newSecret()
        const endpoint: StoredEndpoint = {
          id: newEndpointId(), tenant, url: valid.url, events: valid.events, description: valid.description,
          createdAt: new Date(o.now()).toISOString(), createdBy: by, enabled: true, disabledAt: null, disabledReason: null,
          consecutiveFailures: 0, failingSince: null, lastSuccessAt: null, lastFailureAt: null, secret,
        }
        await o.store.putEndpoint(endpoint)
        return { endpoint: publicEndpoint(endpoint), secret }
      }),
    list: async (tenant: string): Promise<Endpoint[]> => (await o.store.endpoints(tenant)).map(publicEndpoint),
    get: async (tenant: string, id: string): Promise<Endpoint> => publicEndpoint(await find(tenant, id)),
    remove: (tenant: string, id: string): Promise<{ removed: EndpointId; pending: number }> =>
      o.locks(endpointLock(tenant, id), async () => {
        const endpoint = await find(tenant, id)
        const pending = await o.store.removeEndpoint(tenant, endpoint.id)
        o.metrics?.waiting.dec(pending)
        if (!endpoint.enabled) o.metrics?.disabled.dec()
        return { removed: endpoint.id, pending }
      }),
    /** Enables the endpoint again, clears its failure streak, and makes its paused deliveries due now (each with a new retry window). */
    enable: (tenant: string, id: string): Promise<{ endpoint: Endpoint; resumed: number }> =>
      o.locks(endpointLock(tenant, id), async () => {
        const endpoint = await find(tenant, id)
        const now = o.now()
        const paused = await o.store.paused(tenant, endpoint.id)
        const enabled: StoredEndpoint = { ...endpoint, enabled: true, disabledAt: null, disabledReason: null, consecutiveFailures: 0, failingSince: null }
        const changes = paused.map((previous): { delivery: Delivery; previous: Delivery } => ({
          previous, delivery: { ...previous, status: 'pending', nextAt: now, windowStart: null },
        }))
        await o.store.save(changes, enabled)
        if (!endpoint.enabled) o.metrics?.disabled.dec()
        o.wake?.()
        return { endpoint: publicEndpoint(enabled), resumed: changes.length }
      }),
    /** The endpoint's delivery log, newest first. */
    deliveries: async (tenant: string, id: string, limit: number): Promise<DeliveryLogEntry[]> =>
      (await o.store.deliveries(tenant, (await find(tenant, id)).id, limit)).map(logEntry),
  }
}

export type Endpoints = ReturnType<typeof createEndpoints>
