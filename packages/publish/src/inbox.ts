import { randomBytes } from 'node:crypto'
import { createLocks } from '@rota/server'
import { key, prefixOf, type KeyValue } from './kv.ts'
import type { InboxItem } from './types.ts'

/**
 * Each person's inbox, per tenant: items addressed to a staff id of the tenant's documents. The tenant is
 * part of every key, so `ana` of acme and `ana` of bolt never share an inbox. An item may name a `dedupe`
 * key (a shift and the publication it changed after): while an item with that key is unread, a new one
 * updates it (a count and the time) instead of piling up one item per keystroke.
 */
export interface InboxStore {
  /** Adds (or, for an unread one with the same dedupe key, updates) items; returns what was written. */
  deliver(tenant: string, items: ReadonlyArray<{ item: Omit<InboxItem, 'id'>; dedupe?: string }>): Promise<InboxItem[]>
  /** Newest first. */
  list(tenant: string, staff: string, options?: { limit?: number; unread?: boolean }): Promise<InboxItem[]>
  unreadCount(tenant: string, staff: string): Promise<number>
  /** Marks the given items (or every item) read; returns how many changed. */
  markRead(tenant: string, staff: string, ids: readonly string[] | 'all'): Promise<number>
}

/** Largest inbox a read scans; older items stay stored but are not listed or counted. */
const MAX_INBOX_SCAN = 1000

let sequence = 0
/** Ids sort by creation time (base 36 of the ms, then a per-process counter), with random bits to keep them unique across restarts. */
const newId = (now: number): string =>
  `i${now.toString(36).padStart(9, '0')}${(sequence++ % 1_679_616).toString(36).padStart(4, '0')}${randomBytes(3).toString('hex')}`

const parse = (raw: string): InboxItem => JSON.parse(raw) as InboxItem

export const createInboxStore = (kv: KeyValue): InboxStore => {
  const locked = createLocks()
  const itemKey = (tenant: string, staff: string, id: string): string => key('inbox', tenant, staff, id)
  const deliverOne = async (tenant: string, { item, dedupe }: { item: Omit<InboxItem, 'id'>; dedupe?: string }): Promise<InboxItem> => {
    const dedupeKey = dedupe === undefined ? undefined : key('dedupe', tenant, item.staff, dedupe)
    const earlierId = dedupeKey === undefined ? undefined : await kv.get(dedupeKey)
    const earlierRaw = earlierId === undefined ? undefined : await kv.get(itemKey(tenant, item.staff, earlierId))
    const earlier = earlierRaw === undefined ? undefined : parse(earlierRaw)
    if (earlier !== undefined && !earlier.read) {
      const updated: InboxItem = { ...earlier, updatedAt: item.updatedAt, times: (earlier.times ?? 1) + 1 }
      await kv.batch([[itemKey(tenant, item.staff, earlier.id), JSON.stringify(updated)]])
      return updated
    }
    const stored: InboxItem = { id: newId(Date.parse(item.at)), ...item }
    const puts: Array<[string, string]> = [[itemKey(tenant, item.staff, stored.id), JSON.stringify(stored)]]
    if (dedupeKey !== undefined) puts.push([dedupeKey, stored.id])
    await kv.batch(puts)
    return stored
  }
  const scan = async (tenant: string, staff: string): Promise<InboxItem[]> =>
    (await kv.values(prefixOf('inbox', tenant, staff), { reverse: true, limit: MAX_INBOX_SCAN })).map(parse)

  return {
    deliver: async (tenant, items) => {
      const out: InboxItem[] = []
      for (const one of items) out.push(await locked(key(tenant, one.item.staff), () => deliverOne(tenant, one)))
      return out
    },
    list: async (tenant, staff, { limit = 50, unread = false } = {}) =>
      (await scan(tenant, staff)).filter((i) => !unread || !i.read).slice(0, limit),
    unreadCount: async (tenant, staff) => (await scan(tenant, staff)).filter((i) => !i.read).length,
    markRead: (tenant, staff, ids) => locked(key(tenant, staff), async () => {
      const wanted = ids === 'all' ? undefined : new Set(ids)
      const changed = (await scan(tenant, staff)).filter((i) => !i.read && (wanted === undefined || wanted.has(i.id)))
      await kv.batch(changed.map((i) => [itemKey(tenant, staff, i.id), JSON.stringify({ ...i, read: true })]))
      return changed.length
    }),
  }
}
