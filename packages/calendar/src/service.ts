import type { UpdateLog } from '@rota/log'
import type { Locks } from '@rota/server'
import { CalendarError, CalendarErrorCode } from './errors.ts'
import { feedWindow, publishedShiftsOf, type PublicationSource } from './feed.ts'
import { renderFeed } from './ics.ts'
import { reconcile, CANCELLED_RETENTION_DAYS } from './reconcile.ts'
import type { FeedStore } from './store.ts'
import { hashToken, isFeedToken, newFeedToken } from './tokens.ts'
import type { FeedRecord, Person } from './types.ts'

/** What the feed functions work on. */
export interface CalendarContext {
  log: UpdateLog
  feeds: FeedStore
  /** @rota/publish's publications (a function: publishing's store is ready only once its plugin is). */
  publications: () => PublicationSource | undefined
  now(): number
  /** Reconciliation runs one at a time per person (it reads the events, then writes them). */
  serial: Locks
  retentionDays?: number
}

/** A feed as the REST routes show it: never the token's hash. */
export interface FeedInfo {
  tenant: string
  staff: string
  createdAt: string
  createdBy: string
}

const infoOf = (feed: FeedRecord): FeedInfo => ({ tenant: feed.tenant, staff: feed.staff, createdAt: feed.createdAt, createdBy: feed.createdBy })

/** Makes the person's feed, or renews it: a new token, the old URL dead at once. Answers the token once. */
export const issueFeed = async (ctx: CalendarContext, person: Person, by: string): Promise<{ token: string; feed: FeedInfo }> => {
  const token = newFeedToken()
  const feed: FeedRecord = { ...person, tokenHash: hashToken(token), createdAt: new Date(ctx.now()).toISOString(), createdBy: by }
  await ctx.feeds.putFeed(feed)
  return { token, feed: infoOf(feed) }
}

export const revokeFeed = async (ctx: CalendarContext, person: Person): Promise<void> => {
  if (!(await ctx.feeds.removeFeed(person))) throw notFound(person)
}

export const feedInfo = async (ctx: CalendarContext, person: Person): Promise<FeedInfo> => {
  const feed = await ctx.feeds.feedOf(person)
  if (feed === undefined) throw notFound(person)
  return infoOf(feed)
}

const notFound = (person: Person) => new CalendarError(CalendarErrorCode.FeedNotFound, 'no calendar feed for this person', { ...person })

/**
 * The iCalendar text of a token's feed: the person's published shifts now, reconciled with what the feed
 * showed before (reconcile.ts: SEQUENCE, cancellations), which is stored before the answer goes out.
 */
export const feedText = async (ctx: CalendarContext, token: string): Promise<string> => {
  const feed = isFeedToken(token) ? await ctx.feeds.byTokenHash(hashToken(token)) : undefined
  if (feed === undefined) throw new CalendarError(CalendarErrorCode.FeedNotFound, 'no such calendar feed (revoked or renewed?)', {})
  const person: Person = { tenant: feed.tenant, staff: feed.staff }
  return ctx.serial(`${person.tenant}\u0000${person.staff}`, async () => {
    const nowMs = ctx.now()
    const now = new Date(nowMs).toISOString()
    const window = feedWindow(nowMs)
    const publications = ctx.publications()
    // Publishing not (yet) running: show what the feed showed, rather than cancel every event.
    if (publications === undefined) return renderFeed({ name: `Shifts of ${person.staff}`, now, events: await ctx.feeds.events(person) })
    const current = await publishedShiftsOf(ctx.log, publications, person, window)
    const result = reconcile(await ctx.feeds.events(person), current.events, { now, windowStart: window.from, retentionDays: ctx.retentionDays ?? CANCELLED_RETENTION_DAYS })
    if (result.put.length > 0 || result.remove.length > 0) await ctx.feeds.writeEvents(person, result.put, result.remove)
    return renderFeed({ name: `Shifts of ${current.name ?? person.staff}`, now, events: result.shown })
  })
}
