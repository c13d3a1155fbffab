import { describe, expect, it } from 'vitest'
import { renderFeed } from './ics.ts'
import { parseFeed } from './testing.ts'
import type { EventRecord, FeedEvent } from './types.ts'

const event = (shift: string, date: string, start: string, end: string, timezone: string): FeedEvent =>
  ({ uid: `${shift}.acme%2Fw@rota`, doc: 'acme/w', shift, date, start, end, timezone, summary: 'nurse', description: '' })
const shown = (events: FeedEvent[]): EventRecord[] => events.map((e) => ({ event: e, hash: 'h', sequence: 0, cancelledAt: null }))
const instants = (events: FeedEvent[]) => parseFeed(renderFeed({ name: 'x', now: '2026-01-01T00:00:00.000Z', events: shown(events) })).events
  .map((e) => [e.uid.split('.')[0], e.tzid, e.start, e.end])

// Expected instants are facts about the zones (tzdata), written out by hand, not computed by the code under test.
describe('times in the schedule\'s zone across daylight-saving changes', () => {
  it('[C-DST1] Europe/Berlin: both transitions of 2026 (29 March, 25 October)', () => {
    expect(instants([
      event('before', '2026-03-27', '08:00', '16:00', 'Europe/Berlin'),
      event('spring-night', '2026-03-28', '22:00', '06:00', 'Europe/Berlin'), // 7 real hours
      event('in-gap', '2026-03-29', '02:30', '10:00', 'Europe/Berlin'), // 02:30 does not exist: 03:30 CEST
      event('after', '2026-03-30', '08:00', '16:00', 'Europe/Berlin'),
      event('autumn-night', '2026-10-24', '22:00', '06:00', 'Europe/Berlin'), // 9 real hours
      event('autumn-day', '2026-10-25', '12:00', '20:00', 'Europe/Berlin'),
    ])).toEqual([
      ['before', 'Europe/Berlin', '2026-03-27T07:00:00.000Z', '2026-03-27T15:00:00.000Z'],
      ['spring-night', 'Europe/Berlin', '2026-03-28T21:00:00.000Z', '2026-03-29T04:00:00.000Z'],
      ['in-gap', 'Europe/Berlin', '2026-03-29T01:30:00.000Z', '2026-03-29T08:00:00.000Z'],
      ['after', 'Europe/Berlin', '2026-03-30T06:00:00.000Z', '2026-03-30T14:00:00.000Z'],
      ['autumn-night', 'Europe/Berlin', '2026-10-24T20:00:00.000Z', '2026-10-25T05:00:00.000Z'],
      ['autumn-day', 'Europe/Berlin', '2026-10-25T11:00:00.000Z', '2026-10-25T19:00:00.000Z'],
    ])
  })

  it('[C-DST2] America/New_York: both transitions of 2026 (8 March, 1 November)', () => {
    expect(instants([
      event('spring-night', '2026-03-07', '22:00', '06:00', 'America/New_York'), // EST → EDT: 7 real hours
      event('spring-day', '2026-03-08', '09:00', '17:00', 'America/New_York'),
      event('autumn-night', '2026-10-31', '22:00', '06:00', 'America/New_York'), // EDT → EST: 9 real hours
      event('autumn-day', '2026-11-01', '09:00', '17:00', 'America/New_York'),
    ])).toEqual([
      ['spring-night', 'America/New_York', '2026-03-08T03:00:00.000Z', '2026-03-08T10:00:00.000Z'],
      ['spring-day', 'America/New_York', '2026-03-08T13:00:00.000Z', '2026-03-08T21:00:00.000Z'],
      ['autumn-night', 'America/New_York', '2026-11-01T02:00:00.000Z', '2026-11-01T11:00:00.000Z'],
      ['autumn-day', 'America/New_York', '2026-11-01T14:00:00.000Z', '2026-11-01T22:00:00.000Z'],
    ])
  })

  it('[C-DST3] one VTIMEZONE per zone used; UTC schedules are written in UTC', () => {
    const text = renderFeed({
      name: 'x', now: '2026-01-01T00:00:00.000Z',
      events: shown([event('a', '2026-03-27', '08:00', '16:00', 'Europe/Berlin'), event('b', '2026-03-27', '08:00', '16:00', 'Europe/Berlin'),
        event('c', '2026-03-08', '09:00', '17:00', 'America/New_York'), event('d', '2026-03-08', '09:00', '17:00', 'UTC')]),
    })
    const feed = parseFeed(text)
    expect(feed.zones.sort()).toEqual(['America/New_York', 'Europe/Berlin'])
    expect(feed.events.find((e) => e.uid.startsWith('d.'))).toMatchObject({ tzid: null, start: '2026-03-08T09:00:00.000Z', end: '2026-03-08T17:00:00.000Z' })
    expect(text).toContain('DTSTART;TZID=Europe/Berlin:20260327T080000')
    expect(text.split('\r\n').every((line) => line.length <= 75)).toBe(true)
  })
})
