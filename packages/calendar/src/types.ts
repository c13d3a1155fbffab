/** A person of a tenant's schedules: the tenant key ('' for documents without one) and their staff id. */
export interface Person {
  tenant: string
  staff: string
}

/** A person's feed as stored: the SHA-256 of its token, never the token (tokens.ts). */
export interface FeedRecord extends Person {
  tokenHash: string
  /** ISO-8601: when this token was made (a renewal makes a new one). */
  createdAt: string
  /** Who made it (token `sub`). */
  createdBy: string
}

/** What the feed shows of one shift: enough to write its VEVENT again once the shift is gone (cancelled). */
export interface FeedEvent {
  /** Stable per shift and document: `<shift id>.<doc>@rota` (docs/calendar.md). */
  uid: string
  doc: string
  shift: string
  date: string
  start: string
  end: string
  /** The schedule's IANA time zone (its `settings.timezone` as published). */
  timezone: string
  summary: string
  description: string
}

/** One shift as the feed last showed it: its content hash, its SEQUENCE and, once gone, since when. */
export interface EventRecord {
  event: FeedEvent
  /** SHA-256 of the event's content (versions.ts): a new hash is a change, and SEQUENCE goes up. */
  hash: string
  sequence: number
  /** ISO-8601 when the feed first showed it cancelled; null while it is published to the person. */
  cancelledAt: string | null
}
