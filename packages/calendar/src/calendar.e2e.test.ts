import { afterEach, describe, expect, it } from 'vitest'
import { call, parseFeed, startCalendarServer, tempDir, token, type CalendarServer } from './testing.ts'

// The tests' clock, moved by hand: 2026-03-20 12:00 UTC at first.
let now = Date.UTC(2026, 2, 20, 12, 0)
const DAY = 86_400_000

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
  now = Date.UTC(2026, 2, 20, 12, 0)
})

const fresh = () => {
  const t = tempDir()
  cleanup.push(t.remove)
  return t.dir
}
const start = async (dir: string): Promise<CalendarServer> => {
  const s = await startCalendarServer(dir, () => now)
  cleanup.push(() => s.close())
  return s
}

const tokens = async () => ({
  manager: await token({ sub: 'maria', tenant: 'acme', role: 'manager' }),
  viewer: await token({ sub: 'vic', tenant: 'acme', role: 'viewer' }),
  ana: await token({ sub: 'ana-user', tenant: 'acme', role: 'staff', staffId: 'ana' }),
  ben: await token({ sub: 'ben-user', tenant: 'acme', role: 'staff', staffId: 'ben' }),
  boltManager: await token({ sub: 'bob', tenant: 'bolt', role: 'manager' }),
  boltAna: await token({ sub: 'ana-bolt', tenant: 'bolt', role: 'staff', staffId: 'ana' }),
})

const set = (path: string, value: unknown) => ({ op: 'set', path, value })
const shift = (date: string, start: string, end: string, assignee: string | null) => ({ date, start, end, role: 'nurse', assignee })
const docPath = (doc: string) => `/api/docs/${encodeURIComponent(doc)}`

const patch = async (s: CalendarServer, bearer: string, doc: string, ops: unknown[]) => {
  const res = await call(s.server, 'PATCH', docPath(doc), bearer, { ops })
  expect(res.status, res.text).toBe(200)
}
const publish = async (s: CalendarServer, bearer: string, doc: string, from: string, to: string) => {
  const res = await call(s.server, 'POST', `${docPath(doc)}/publications`, bearer, { from, to, confirm: true })
  expect(res.status, res.text).toBe(200)
}
const feedOf = async (s: CalendarServer, path: string) => {
  const res = await call(s.server, 'GET', path)
  expect(res.status, res.text).toBe(200)
  expect(res.type).toMatch(/^text\/calendar/)
  return parseFeed(res.text)
}
const byShift = (events: Array<{ uid: string }>) => Object.fromEntries(events.map((e) => [e.uid.split('.')[0], e]))

/** Ana's and Ben's weeks: Berlin's spring-forward week and New York's, each its own document. */
const seed = async (s: CalendarServer, manager: string) => {
  await patch(s, manager, 'acme/2026-w13', [
    set('settings.timezone', 'Europe/Berlin'), set('settings.name', 'Ward 3'),
    set('staff.ana', { name: 'Ana', role: 'nurse' }), set('staff.ben', { name: 'Ben', role: 'nurse' }),
    set('shifts.s1', shift('2026-03-27', '08:00', '16:00', 'ana')),
    set('shifts.s2', shift('2026-03-28', '22:00', '06:00', 'ana')),
    set('shifts.s3', shift('2026-03-29', '10:00', '18:00', 'ana')),
    set('shifts.s4', shift('2026-03-29', '10:00', '18:00', 'ben')),
  ])
  await patch(s, manager, 'acme/ny-2026-w10', [
    set('settings.timezone', 'America/New_York'),
    set('staff.ana', { name: 'Ana', role: 'nurse' }),
    set('shifts.n1', shift('2026-03-07', '22:00', '06:00', 'ana')),
  ])
}

describe('a person\'s published shifts as an iCalendar feed', () => {
  it('[CAL1] shows only published shifts, in their zones; UID stable, SEQUENCE up on change, CANCELLED kept 30 days', async () => {
    const s = await start(fresh())
    const t = await tokens()
    await seed(s, t.manager)
    const made = await call<{ token: string; path: string; url: string; feed: { staff: string; createdBy: string } }>(s.server, 'POST', '/api/teams/acme/calendar-feeds/ana', t.manager)
    expect(made.status).toBe(200)
    expect(made.body.path).toBe(`/cal/${made.body.token}.ics`)
    expect(made.body.url).toBe(`${s.server.url}${made.body.path}`)
    expect(made.body.feed).toMatchObject({ tenant: 'acme', staff: 'ana', createdBy: 'maria' })

    // Nothing published yet: an empty calendar.
    expect((await feedOf(s, made.body.path)).events).toEqual([])

    await publish(s, t.manager, 'acme/2026-w13', '2026-03-23', '2026-03-29')
    await publish(s, t.manager, 'acme/ny-2026-w10', '2026-03-02', '2026-03-08')
    const first = await feedOf(s, made.body.path)
    expect(first.name).toBe('Shifts of Ana')
    expect(first.zones.sort()).toEqual(['America/New_York', 'Europe/Berlin'])
    expect(first.events.map((e) => [e.uid, e.sequence, e.status, e.tzid, e.start, e.end])).toEqual([
      ['n1.acme%2Fny-2026-w10@rota', 0, 'CONFIRMED', 'America/New_York', '2026-03-08T03:00:00.000Z', '2026-03-08T10:00:00.000Z'],
      ['s1.acme%2F2026-w13@rota', 0, 'CONFIRMED', 'Europe/Berlin', '2026-03-27T07:00:00.000Z', '2026-03-27T15:00:00.000Z'],
      ['s2.acme%2F2026-w13@rota', 0, 'CONFIRMED', 'Europe/Berlin', '2026-03-28T21:00:00.000Z', '2026-03-29T04:00:00.000Z'],
      ['s3.acme%2F2026-w13@rota', 0, 'CONFIRMED', 'Europe/Berlin', '2026-03-29T08:00:00.000Z', '2026-03-29T16:00:00.000Z'],
    ])
    expect(byShift(first.events).s1!.summary).toBe('nurse · Ward 3')

    // Edits after publishing are not in the feed until they are published.
    await patch(s, t.manager, 'acme/2026-w13', [set('shifts.s1.start', '09:00'), set('shifts.s3.assignee', 'ben')])
    expect((await feedOf(s, made.body.path)).events).toEqual(first.events)

    await publish(s, t.manager, 'acme/2026-w13', '2026-03-23', '2026-03-29')
    const second = byShift((await feedOf(s, made.body.path)).events)
    expect(second.s1).toMatchObject({ uid: 's1.acme%2F2026-w13@rota', sequence: 1, status: 'CONFIRMED', start: '2026-03-27T08:00:00.000Z' })
    expect(second.s2).toMatchObject({ sequence: 0, status: 'CONFIRMED' })
    // s3 went to Ben: cancelled in Ana's feed, with the next SEQUENCE and its last published times.
    expect(second.s3).toMatchObject({ sequence: 1, status: 'CANCELLED', start: '2026-03-29T08:00:00.000Z' })
    // A poll changes nothing.
    expect(byShift((await feedOf(s, made.body.path)).events)).toEqual(second)

    // Changed again and published: SEQUENCE keeps growing.
    await patch(s, t.manager, 'acme/2026-w13', [set('shifts.s1.end', '17:00')])
    await publish(s, t.manager, 'acme/2026-w13', '2026-03-23', '2026-03-29')
    expect(byShift((await feedOf(s, made.body.path)).events).s1).toMatchObject({ sequence: 2, end: '2026-03-27T16:00:00.000Z' })

    // Ben's own feed has s3 and s4 (the UID is the shift's, whoever has it).
    const bens = await call<{ path: string }>(s.server, 'POST', '/api/teams/acme/calendar-feeds/ben', t.ben)
    expect(bens.status).toBe(200)
    expect(Object.keys(byShift((await feedOf(s, bens.body.path)).events)).sort()).toEqual(['s3', 's4'])

    // The cancellation stays 30 days after the feed first showed it, then it is gone.
    now += 29 * DAY
    expect(byShift((await feedOf(s, made.body.path)).events).s3).toMatchObject({ status: 'CANCELLED' })
    now += 2 * DAY
    expect(byShift((await feedOf(s, made.body.path)).events).s3).toBeUndefined()
  })

  it('[CAL2] revoke makes the URL 404; renew gives a new URL and kills the old; state survives a restart', async () => {
    const dir = fresh()
    let s = await start(dir)
    const t = await tokens()
    await seed(s, t.manager)
    await publish(s, t.manager, 'acme/2026-w13', '2026-03-23', '2026-03-29')
    const first = await call<{ path: string; token: string }>(s.server, 'POST', '/api/teams/acme/calendar-feeds/ana', t.ana)
    expect(first.status).toBe(200)
    await patch(s, t.manager, 'acme/2026-w13', [set('shifts.s1.notes', 'badge')])
    expect((await feedOf(s, first.body.path)).events).toHaveLength(3)

    const renewed = await call<{ path: string; token: string }>(s.server, 'POST', '/api/teams/acme/calendar-feeds/ana', t.manager)
    expect(renewed.body.token).not.toBe(first.body.token)
    const old = await call<{ error: { code: string } }>(s.server, 'GET', first.body.path)
    expect([old.status, JSON.parse(old.text).error.code]).toEqual([404, 'ROTA_CALENDAR_FEED_NOT_FOUND'])
    await publish(s, t.manager, 'acme/2026-w13', '2026-03-23', '2026-03-29')
    expect(byShift((await feedOf(s, renewed.body.path)).events).s1).toMatchObject({ sequence: 1 })

    // The store is durable: after a restart the URL works and SEQUENCEs go on where they were.
    await s.close()
    cleanup.pop()
    s = await start(dir)
    expect(byShift((await feedOf(s, renewed.body.path)).events).s1).toMatchObject({ sequence: 1 })
    expect((await call(s.server, 'GET', '/api/teams/acme/calendar-feeds/ana', t.ana)).body).toMatchObject({ feed: { tenant: 'acme', staff: 'ana', createdBy: 'maria' } })

    const revoked = await call(s.server, 'DELETE', '/api/teams/acme/calendar-feeds/ana', t.ana)
    expect([revoked.status, revoked.body]).toEqual([200, { revoked: true }])
    expect((await call(s.server, 'GET', renewed.body.path)).status).toBe(404)
    expect((await call<{ error: { code: string } }>(s.server, 'DELETE', '/api/teams/acme/calendar-feeds/ana', t.ana)).body.error.code).toBe('ROTA_CALENDAR_FEED_NOT_FOUND')
    expect((await call(s.server, 'GET', '/api/teams/acme/calendar-feeds/ana', t.manager)).status).toBe(404)
    // Malformed or guessed tokens are the same 404.
    for (const path of ['/cal/nope.ics', `/cal/${'A'.repeat(43)}.ics`, `/cal/${renewed.body.token}.txt`]) expect((await call(s.server, 'GET', path)).status).toBe(404)
  })

  it('[CAL3] who may manage a feed; tenants are isolated', async () => {
    const s = await start(fresh())
    const t = await tokens()
    await seed(s, t.manager)
    await publish(s, t.manager, 'acme/2026-w13', '2026-03-23', '2026-03-29')
    await patch(s, t.boltManager, 'bolt/2026-w13', [set('staff.ana', { name: 'Ana B', role: 'cook' }), set('shifts.b1', { ...shift('2026-03-27', '11:00', '15:00', 'ana'), role: 'cook' })])
    await publish(s, t.boltManager, 'bolt/2026-w13', '2026-03-23', '2026-03-29')

    const code = async (method: string, path: string, bearer?: string) => {
      const res = await call<{ error?: { code: string } }>(s.server, method, path, bearer)
      return [res.status, res.body?.error?.code ?? null]
    }
    expect(await code('POST', '/api/teams/acme/calendar-feeds/ana', t.ben)).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    expect(await code('POST', '/api/teams/acme/calendar-feeds/ana', t.viewer)).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    expect(await code('POST', '/api/teams/acme/calendar-feeds/ana', t.boltManager)).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    expect(await code('POST', '/api/teams/acme/calendar-feeds/ana', t.boltAna)).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    expect(await code('POST', '/api/teams/acme/calendar-feeds/ana')).toEqual([401, 'ROTA_AUTH_MISSING'])
    expect(await code('POST', '/api/teams/acme/calendar-feeds/a.b', t.manager)).toEqual([400, 'ROTA_CALENDAR_BAD_STAFF'])
    expect(await code('POST', '/api/teams/a%2Fb/calendar-feeds/ana', t.manager)).toEqual([400, 'ROTA_ERR_BAD_REQUEST'])

    // Ana of bolt is another person: her feed has bolt's shift only, and acme's feed for Ana has acme's only.
    const bolt = await call<{ path: string }>(s.server, 'POST', '/api/teams/bolt/calendar-feeds/ana', t.boltAna)
    const acme = await call<{ path: string }>(s.server, 'POST', '/api/teams/acme/calendar-feeds/ana', t.manager)
    expect(Object.keys(byShift((await feedOf(s, bolt.body.path)).events))).toEqual(['b1'])
    expect(Object.keys(byShift((await feedOf(s, acme.body.path)).events)).sort()).toEqual(['s1', 's2', 's3'])
    // Revoking one tenant's feed leaves the other's.
    expect((await call(s.server, 'DELETE', '/api/teams/bolt/calendar-feeds/ana', t.boltManager)).status).toBe(200)
    expect((await call(s.server, 'GET', bolt.body.path)).status).toBe(404)
    expect((await call(s.server, 'GET', acme.body.path)).status).toBe(200)
  })
})
