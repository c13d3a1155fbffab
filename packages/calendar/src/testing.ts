/** Helpers for this package's tests: a real server (auth, LevelDB log, publish and calendar stores; @rota/publish's test server) on 127.0.0.1 port 0. */
import { join } from 'node:path'
import { publishExtension, type PublicationStore } from '@rota/publish'
import { startTestServer, tempDir as sharedTempDir, type TestServer } from '@rota/publish/testing'
import type { RotaServer } from '@rota/server'
import ICAL from 'ical.js'
import { calendarExtension } from './extension.ts'

export { token } from '@rota/publish/testing'

export const tempDir = (): { dir: string; remove(): void } => sharedTempDir('rota-calendar-')

export type CalendarServer = TestServer

/** A server as `rota serve` wires it (publishing, then calendars), its stores in `dir` (restartable). */
export const startCalendarServer = async (dir: string, now: () => number): Promise<CalendarServer> => {
  let publications: PublicationStore | undefined
  return startTestServer(dir, [
    publishExtension({ dir: join(dir, 'publish'), now, onReady: (h) => (publications = h.context.publications) }),
    calendarExtension({ dir: join(dir, 'calendar'), now, publications: () => publications }),
  ])
}

export interface Answer<T = Record<string, unknown>> { status: number; body: T; text: string; type: string | null }

/** One request with a bearer token (or none); the body parsed as JSON when it is JSON. */
export const call = async <T = Record<string, unknown>>(server: RotaServer, method: string, path: string, bearer?: string, body?: unknown): Promise<Answer<T>> => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  const type = res.headers.get('content-type')
  return { status: res.status, text, type, body: (type?.startsWith('application/json') ? JSON.parse(text) : undefined) as T }
}

export interface ParsedEvent {
  uid: string
  sequence: number
  status: string
  summary: string
  /** TZID of DTSTART, or null for UTC. */
  tzid: string | null
  /** Instants, as ical.js computes them from the feed's own VTIMEZONE blocks. */
  start: string
  end: string
}

/**
 * A feed as a calendar app reads it: parsed by ical.js (Mozilla's RFC 5545 parser, the one Thunderbird uses),
 * with the feed's VTIMEZONE blocks registered so that zoned times become instants by the feed's own rules.
 */
export const parseFeed = (text: string): { name: string; zones: string[]; events: ParsedEvent[] } => {
  const calendar = new ICAL.Component(ICAL.parse(text))
  const zones = calendar.getAllSubcomponents('vtimezone').map((vtz) => {
    const zone = new ICAL.Timezone(vtz)
    ICAL.TimezoneService.register(zone, zone.tzid)
    return zone.tzid
  })
  const events = calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent)
    const tzid = vevent.getFirstProperty('dtstart')?.getParameter('tzid')
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: String(vevent.getFirstPropertyValue('status')),
      summary: event.summary,
      tzid: typeof tzid === 'string' ? tzid : null,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    }
  })
  return { name: String(calendar.getFirstPropertyValue('x-wr-calname')), zones, events }
}
