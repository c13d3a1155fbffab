/**
 * Writing a feed as iCalendar (RFC 5545) with ical-generator, the most used generator for Node (kept up, typed,
 * RFC-checked escaping and line folding). Times: each event is written in its schedule's IANA zone
 * (`DTSTART;TZID=Europe/Berlin:…`) with a VTIMEZONE block from timezones-ical-library, so every calendar app
 * computes the same instants, across daylight-saving changes included. Wall-clock times are turned into zoned
 * times with luxon, which ical-generator takes as is: a time that does not exist (02:30 on the spring-forward
 * night) moves forward by the gap, as RFC 5545 3.3.5 prescribes; an ambiguous one (the autumn night's repeated
 * hour) is its first occurrence. A zone the VTIMEZONE library does not know is written in UTC (correct instants,
 * no zone name) rather than with a TZID no client could resolve.
 */
import ical, { ICalEventStatus } from 'ical-generator'
import { DateTime } from 'luxon'
import { tzlib_get_ical_block } from 'timezones-ical-library'
import { formatInstant, shiftInterval } from '@rota/model'
import type { EventRecord } from './types.ts'

/** How often calendar apps should fetch the feed again (REFRESH-INTERVAL and X-PUBLISHED-TTL), in seconds. */
export const FEED_TTL_SECONDS = 3600

const vtimezoneOf = (zone: string): string | null => {
  const block = tzlib_get_ical_block(zone)
  return Array.isArray(block) && typeof block[0] === 'string' && block[0].startsWith('BEGIN:VTIMEZONE') ? block[0] : null
}

const zoned = (wallClock: string, zone: string): DateTime => {
  // 'YYYY-MM-DD HH:MM' as model's formatInstant writes it.
  const [date, time] = wallClock.split(' ') as [string, string]
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const [hour, minute] = time.split(':').map(Number) as [number, number]
  return DateTime.fromObject({ year, month, day, hour, minute }, { zone })
}

export interface FeedCalendar {
  name: string
  /** ISO-8601: DTSTAMP of every event (when this copy of the feed was made). */
  now: string
  events: readonly EventRecord[]
}

export const renderFeed = (feed: FeedCalendar): string => {
  const calendar = ical({
    name: feed.name,
    prodId: { company: 'Rota', product: 'Rota shifts', language: 'EN' },
    ttl: FEED_TTL_SECONDS,
    // ical-generator asks this for every zone its events name and writes the block once per zone.
    timezone: { name: null, generator: (zone: string) => vtimezoneOf(zone) },
  })
  const stamp = DateTime.fromISO(feed.now, { zone: 'utc' })
  for (const { event, sequence, cancelledAt } of feed.events) {
    // The model's rule for a shift's end (at or before the start: the next day), as the grid counts it.
    const interval = shiftInterval(event)
    const zone = DateTime.local({ zone: event.timezone }).isValid ? event.timezone : 'utc'
    const known = zone !== 'utc' && vtimezoneOf(zone) !== null
    const start = zoned(formatInstant(interval.start), zone)
    const end = zoned(formatInstant(interval.end), zone)
    calendar.createEvent({
      id: event.uid,
      sequence,
      stamp,
      start: known ? start : start.toUTC(),
      end: known ? end : end.toUTC(),
      ...(known ? { timezone: zone } : {}),
      summary: event.summary,
      description: event.description,
      status: cancelledAt === null ? ICalEventStatus.CONFIRMED : ICalEventStatus.CANCELLED,
    })
  }
  return calendar.toString()
}
