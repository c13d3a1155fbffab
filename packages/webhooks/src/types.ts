/**
 * The event catalogue: what an endpoint may subscribe to. Each comes from @rota/publish (its `onEvent`
 * listener, see events.ts); docs/webhooks.md describes each payload.
 */
export const eventTypes = [
  /** A date range of a schedule was published: the publication and the staff ids with changes. */
  'publication.created',
  /** One person's shifts changed at a publication (their inbox item, with the changes). */
  'inbox.published',
  /** A person's published shift changed after the publication (their inbox item; repeated with `times`). */
  'inbox.changed_after_publication',
  /** A conflict needs a decision (the inbox item of each person who may decide). */
  'inbox.conflict_needs_decision',
  /** A conflict involving a person's edit was resolved automatically (their inbox item, with the option applied). */
  'inbox.conflict_resolved_automatically',
  /** A change of a person's was not accepted by the server (their inbox item: the seq, path and reason). */
  'inbox.change_not_accepted',
] as const

export type EventType = (typeof eventTypes)[number]

export const isEventType = (value: unknown): value is EventType => (eventTypes as readonly unknown[]).includes(value)

/** An endpoint id: `wh_` and 16 hex digits. */
export type EndpointId = string & { readonly __endpointId: true }
/** An event id (`evt_…`): the idempotency id, the same on every attempt and for every endpoint. */
export type EventId = string & { readonly __eventId: true }
/** A delivery id (`dlv_…`): one event to one endpoint; ids sort by creation time. */
export type DeliveryId = string & { readonly __deliveryId: true }

/** What is sent: the body of every delivery, fixed when the event is queued (so retries sign the same bytes). */
export interface WebhookEvent {
  id: EventId
  type: EventType
  tenant: string
  /** ISO-8601: when the event happened. */
  createdAt: string
  data: Record<string, unknown>
}

/** A registered endpoint, as stored (the secret never leaves the store but at creation). */
export interface StoredEndpoint extends Endpoint {
  secret: string
}

export interface Endpoint {
  id: EndpointId
  tenant: string
  url: string
  events: EventType[]
  description: string | null
  createdAt: string
  createdBy: string
  enabled: boolean
  /** Why and when it was disabled (too many consecutive failures), or null. */
  disabledAt: string | null
  disabledReason: string | null
  /** Failed attempts since the last success, and when the first of them was (ISO-8601, or null). */
  consecutiveFailures: number
  failingSince: string | null
  lastSuccessAt: string | null
  lastFailureAt: string | null
}

/**
 * `pending`: waiting for its next attempt; `paused`: its endpoint is disabled (it resumes when re-enabled);
 * `delivered`: a 2xx came back; `failed`: it was retried for the whole retry window and gave up.
 */
export type DeliveryStatus = 'pending' | 'paused' | 'delivered' | 'failed'

export interface Attempt {
  /** ISO-8601. */
  at: string
  /** The HTTP status, or null when no answer came (refused, reset, timed out, blocked address). */
  status: number | null
  ok: boolean
  /** What went wrong, for the log (no response bodies: they may hold anything). */
  error: string | null
  ms: number
}

export interface Delivery {
  id: DeliveryId
  tenant: string
  endpoint: EndpointId
  event: { id: EventId; type: EventType }
  status: DeliveryStatus
  createdAt: string
  /** When the current retry window began (the first attempt, or the re-enabling), ms since the epoch. */
  windowStart: number | null
  /** When the next attempt is due (ms since the epoch), for `pending`. */
  nextAt: number | null
  deliveredAt: string | null
  /** Attempts made, all told; `attempts` keeps the latest 50 of them. */
  attemptCount: number
  attempts: Attempt[]
  /** The JSON body, exactly as signed and sent. */
  body: string
}
