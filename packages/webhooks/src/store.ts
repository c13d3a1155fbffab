import { key, numberPart, prefixOf, type KeyValue } from './kv.ts'
import type { Delivery, DeliveryId, EndpointId, StoredEndpoint } from './types.ts'

/**
 * Endpoints, the outbox and the delivery log, in one key-value store. A delivery is one record (its status and
 * every attempt) plus an index entry while it waits: `due/<nextAt>/…` when pending (the dispatcher scans it in
 * time order), `paused/…` while its endpoint is disabled. A record and its index entry change in one batch, with
 * the endpoint's failure count when an attempt's outcome is saved, so a crash never leaves them apart.
 */
export interface Ref {
  tenant: string
  endpoint: EndpointId
  id: DeliveryId
}

export interface WebhookStore {
  endpoints(tenant: string): Promise<StoredEndpoint[]>
  /** Every tenant's endpoints (metrics at start). */
  allEndpoints(): Promise<StoredEndpoint[]>
  endpoint(tenant: string, id: string): Promise<StoredEndpoint | undefined>
  putEndpoint(endpoint: StoredEndpoint): Promise<void>
  /** Deletes the endpoint with its deliveries and their index entries; returns how many pending ones went. */
  removeEndpoint(tenant: string, id: EndpointId): Promise<number>
  /** Saves deliveries (new, or changed from `previous`), with an endpoint, atomically. */
  save(changes: ReadonlyArray<{ delivery: Delivery; previous?: Delivery }>, endpoint?: StoredEndpoint): Promise<void>
  /** Pending deliveries due at `now`, oldest due first. */
  due(now: number, limit: number): Promise<Ref[]>
  /** When the earliest pending delivery is due, or undefined with none pending. */
  nextDue(): Promise<number | undefined>
  delivery(ref: Ref): Promise<Delivery | undefined>
  /** The endpoint's deliveries, newest first. */
  deliveries(tenant: string, endpoint: EndpointId, limit: number): Promise<Delivery[]>
  paused(tenant: string, endpoint: EndpointId): Promise<Delivery[]>
  /** Deliveries waiting (pending or paused), for the gauge at start. */
  waiting(): Promise<number>
}

const parse = <T>(raw: string): T => JSON.parse(raw) as T

const recordKey = (d: { tenant: string; endpoint: string; id: string }): string => key('dlv', d.tenant, d.endpoint, d.id)

/** The index entry a delivery has in its state, if any. */
const indexKey = (d: Delivery): string | undefined => {
  if (d.status === 'pending') return key('due', numberPart(d.nextAt ?? 0), d.tenant, d.endpoint, d.id)
  if (d.status === 'paused') return key('paused', d.tenant, d.endpoint, d.id)
  return undefined
}

const refOfIndex = (k: string): Ref => {
  const parts = k.split('\u0000')
  return { tenant: parts.at(-3) as string, endpoint: parts.at(-2) as EndpointId, id: parts.at(-1) as DeliveryId }
}

export const createWebhookStore = (kv: KeyValue): WebhookStore => {
  const endpointsUnder = async (prefix: string) => (await kv.entries(prefix)).map(([, v]) => parse<StoredEndpoint>(v))
  return {
    endpoints: (tenant) => endpointsUnder(prefixOf('ep', tenant)),
    allEndpoints: () => endpointsUnder(prefixOf('ep')),
    endpoint: async (tenant, id) => {
      const raw = await kv.get(key('ep', tenant, id))
      return raw === undefined ? undefined : parse<StoredEndpoint>(raw)
    },
    putEndpoint: (endpoint) => kv.batch([[key('ep', endpoint.tenant, endpoint.id), JSON.stringify(endpoint)]]),
    removeEndpoint: async (tenant, id) => {
      const records = (await kv.entries(prefixOf('dlv', tenant, id))).map(([, v]) => parse<Delivery>(v))
      const ops: Array<[string, undefined]> = [[key('ep', tenant, id), undefined]]
      for (const d of records) {
        ops.push([recordKey(d), undefined])
        const index = indexKey(d)
        if (index !== undefined) ops.push([index, undefined])
      }
      await kv.batch(ops)
      return records.filter((d) => d.status === 'pending' || d.status === 'paused').length
    },
    save: async (changes, endpoint) => {
      const ops: Array<[string, string | undefined]> = []
      for (const { delivery, previous } of changes) {
        const before = previous === undefined ? undefined : indexKey(previous)
        const after = indexKey(delivery)
        if (before !== undefined && before !== after) ops.push([before, undefined])
        if (after !== undefined) ops.push([after, ''])
        ops.push([recordKey(delivery), JSON.stringify(delivery)])
      }
      if (endpoint !== undefined) ops.push([key('ep', endpoint.tenant, endpoint.id), JSON.stringify(endpoint)])
      if (ops.length > 0) await kv.batch(ops)
    },
    due: async (now, limit) =>
      (await kv.entries(prefixOf('due'), { limit, lt: key('due', numberPart(now + 1)) })).map(([k]) => refOfIndex(k)),
    nextDue: async () => {
      const [first] = await kv.entries(prefixOf('due'), { limit: 1 })
      return first === undefined ? undefined : Number(first[0].split('\u0000')[1])
    },
    delivery: async (ref) => {
      const raw = await kv.get(recordKey(ref))
      return raw === undefined ? undefined : parse<Delivery>(raw)
    },
    deliveries: async (tenant, endpoint, limit) =>
      (await kv.entries(prefixOf('dlv', tenant, endpoint), { reverse: true, limit })).map(([, v]) => parse<Delivery>(v)),
    paused: async (tenant, endpoint) => {
      const refs = (await kv.entries(prefixOf('paused', tenant, endpoint))).map(([k]) => refOfIndex(k))
      const found = await Promise.all(refs.map((ref) => kv.get(recordKey(ref))))
      return found.filter((raw): raw is string => raw !== undefined).map(parse<Delivery>)
    },
    waiting: async () => (await kv.entries(prefixOf('due'))).length + (await kv.entries(prefixOf('paused'))).length,
  }
}
