import { createHash } from 'node:crypto'
import type { EventRecord, FeedEvent } from './types.ts'

/** How long a shift that left a person's published schedule stays in their feed as STATUS:CANCELLED. */
export const CANCELLED_RETENTION_DAYS = 30

/** The hash of what a calendar shows of a shift: any difference is a change the client must take. */
export const versionHash = (event: FeedEvent): string =>
  createHash('sha256')
    .update(JSON.stringify([event.uid, event.doc, event.shift, event.date, event.start, event.end, event.timezone, event.summary, event.description]))
    .digest('hex')

export interface Reconciled {
  /** What the feed shows now: live events and those cancelled within the retention. */
  shown: EventRecord[]
  /** Records to store (new, changed, newly cancelled, back again). */
  put: EventRecord[]
  /** Uids to forget: cancelled longer ago than the retention, or dated before the feed's window. */
  remove: string[]
}

export interface ReconcileOptions {
  /** ISO-8601 of now. */
  now: string
  /** Events dated before this 'YYYY-MM-DD' left the window: forgotten, not cancelled. */
  windowStart: string
  retentionDays?: number
}

/**
 * What the feed shows, given what it showed before and what is published to the person now. RFC 5545
 * (3.8.7.4) wants SEQUENCE to grow whenever an event is revised, so a calendar app replaces its copy
 * rather than keeping the old one: new events start at 0; a changed one, one newly cancelled and one back
 * after a cancellation each get the next number. Unchanged events keep theirs (a poll changes nothing).
 */
export const reconcile = (previous: readonly EventRecord[], current: readonly FeedEvent[], options: ReconcileOptions): Reconciled => {
  const retentionMs = (options.retentionDays ?? CANCELLED_RETENTION_DAYS) * 86_400_000
  const before = new Map(previous.map((r) => [r.event.uid, r]))
  const shown: EventRecord[] = []
  const put: EventRecord[] = []
  const remove: string[] = []
  const seen = new Set<string>()
  for (const event of current) {
    seen.add(event.uid)
    const hash = versionHash(event)
    const prev = before.get(event.uid)
    if (prev !== undefined && prev.hash === hash && prev.cancelledAt === null) {
      shown.push(prev)
      continue
    }
    const record: EventRecord = { event, hash, sequence: prev === undefined ? 0 : prev.sequence + 1, cancelledAt: null }
    shown.push(record)
    put.push(record)
  }
  for (const prev of previous) {
    if (seen.has(prev.event.uid)) continue
    if (prev.cancelledAt === null) {
      if (prev.event.date < options.windowStart) {
        remove.push(prev.event.uid)
        continue
      }
      const record: EventRecord = { ...prev, sequence: prev.sequence + 1, cancelledAt: options.now }
      shown.push(record)
      put.push(record)
    } else if (Date.parse(options.now) - Date.parse(prev.cancelledAt) > retentionMs) {
      remove.push(prev.event.uid)
    } else {
      shown.push(prev)
    }
  }
  shown.sort((a, b) => (a.event.date < b.event.date ? -1 : a.event.date > b.event.date ? 1 : a.event.start < b.event.start ? -1 : a.event.start > b.event.start ? 1 : a.event.uid < b.event.uid ? -1 : 1))
  return { shown, put, remove }
}
