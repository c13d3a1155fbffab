import { key, prefixOf, type KeyValue, type KvOp } from './kv.ts'
import type { EventRecord, FeedRecord, Person } from './types.ts'

/**
 * Feeds and the events each feed showed. A person has at most one feed (`feed`, tenant, staff); a token
 * is found by its hash (`token`, hash → person), and it is live only while the person's feed still names
 * that hash, so renewing or revoking needs no delete of the old index entry to take effect (it is deleted
 * all the same). Events are kept per person, not per token: a renewed URL goes on with the same SEQUENCEs.
 */
export interface FeedStore {
  feedOf(person: Person): Promise<FeedRecord | undefined>
  /** The person of a live token hash. */
  byTokenHash(hash: string): Promise<FeedRecord | undefined>
  /** Stores the person's feed (replacing, and so killing, any earlier token). */
  putFeed(feed: FeedRecord): Promise<void>
  /** Removes the person's feed; false when there was none. */
  removeFeed(person: Person): Promise<boolean>
  events(person: Person): Promise<EventRecord[]>
  /** Writes and deletes event records of one person at once. */
  writeEvents(person: Person, put: readonly EventRecord[], remove: readonly string[]): Promise<void>
}

const parse = <T>(raw: string): T => JSON.parse(raw) as T

export const createFeedStore = (kv: KeyValue): FeedStore => {
  const feedKey = (p: Person) => key('feed', p.tenant, p.staff)
  const feedOf = async (person: Person) => {
    const raw = await kv.get(feedKey(person))
    return raw === undefined ? undefined : parse<FeedRecord>(raw)
  }
  return {
    feedOf,
    async byTokenHash(hash) {
      const raw = await kv.get(key('token', hash))
      if (raw === undefined) return undefined
      const feed = await feedOf(parse<Person>(raw))
      return feed?.tokenHash === hash ? feed : undefined
    },
    async putFeed(feed) {
      const before = await feedOf(feed)
      const ops: KvOp[] = [
        { type: 'put', key: feedKey(feed), value: JSON.stringify(feed) },
        { type: 'put', key: key('token', feed.tokenHash), value: JSON.stringify({ tenant: feed.tenant, staff: feed.staff }) },
      ]
      if (before !== undefined && before.tokenHash !== feed.tokenHash) ops.push({ type: 'del', key: key('token', before.tokenHash) })
      await kv.batch(ops)
    },
    async removeFeed(person) {
      const before = await feedOf(person)
      if (before === undefined) return false
      await kv.batch([{ type: 'del', key: feedKey(person) }, { type: 'del', key: key('token', before.tokenHash) }])
      return true
    },
    events: async (p) => (await kv.values(prefixOf('event', p.tenant, p.staff))).map(parse<EventRecord>),
    writeEvents: (p, put, remove) => kv.batch([
      ...put.map((r): KvOp => ({ type: 'put', key: key('event', p.tenant, p.staff, r.event.uid), value: JSON.stringify(r) })),
      ...remove.map((uid): KvOp => ({ type: 'del', key: key('event', p.tenant, p.staff, uid) })),
    ]),
  }
}
