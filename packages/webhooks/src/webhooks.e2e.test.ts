import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Registry } from 'prom-client'
import { call, manualScheduler, startReceiver, startWebhookServer, tempDir, token, type ManualScheduler, type WebhookServer } from './testing.ts'
import type { Endpoint, WebhookEvent } from './types.ts'

// The tests' clock: 2026-02-20 12:00 UTC. The week published is 2026-03-02 … 03-08.
const NOW = Date.UTC(2026, 1, 20, 12, 0)
const HOUR = 3_600_000
const docPath = '/api/docs/acme%2F2026-w10'
const week = { from: '2026-03-02', to: '2026-03-08' }
const hookSecret = 'a-receivers-secret-0123456789'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const fresh = () => {
  const t = tempDir()
  cleanup.push(t.remove)
  return t.dir
}

const start = async (dir: string, scheduler: ManualScheduler, options: Parameters<typeof startWebhookServer>[1] = {}): Promise<WebhookServer> => {
  const s = await startWebhookServer(dir, { scheduler, ...options }, () => scheduler.now())
  cleanup.push(() => s.close())
  return s
}

const receiver = async (...args: Parameters<typeof startReceiver>) => {
  const r = await startReceiver(...args)
  cleanup.push(() => r.close())
  return r
}

const tokens = async () => ({
  admin: await token({ sub: 'root', tenant: 'acme', role: 'admin' }),
  manager: await token({ sub: 'maria', tenant: 'acme', role: 'manager' }),
  boltAdmin: await token({ sub: 'bea', tenant: 'bolt', role: 'admin' }),
  operator: await token({ sub: 'ops', tenant: null, role: 'admin' }),
})

const shift = (date: string, assignee: string | null) => ({ date, start: '08:00', end: '16:00', role: 'nurse', assignee })
const set = (path: string, value: unknown) => ({ op: 'set', path, value })

const seed = async (s: WebhookServer, manager: string, doc = docPath) => {
  const res = await call(s.server, 'PATCH', doc, manager, {
    ops: [
      set('staff.ana', { name: 'Ana', role: 'nurse' }), set('staff.ben', { name: 'Ben', role: 'nurse' }),
      set('shifts.s1', shift('2026-03-02', 'ana')), set('shifts.s3', shift('2026-03-04', 'ben')),
    ],
  })
  expect(res.status).toBe(200)
}

const publish = async (s: WebhookServer, manager: string, doc = docPath) => {
  const res = await call(s.server, 'POST', `${doc}/publications`, manager, week)
  expect(res.status).toBe(200)
}

const register = async (s: WebhookServer, bearer: string, url: string, events: string[], tenant = 'acme') => {
  const res = await call<{ endpoint: Endpoint; secret: string }>(s.server, 'POST', `/api/teams/${tenant}/webhooks`, bearer, { url, events, secret: hookSecret })
  expect(res.status).toBe(201)
  return res.body.endpoint
}

interface LogEntry { id: string; status: string; event: { id: string; type: string }; attempts: Array<{ ok: boolean; status: number | null; error: string | null }>; nextAttemptAt: string | null }
const deliveries = async (s: WebhookServer, bearer: string, id: string, tenant = 'acme') =>
  (await call<{ deliveries: LogEntry[] }>(s.server, 'GET', `/api/teams/${tenant}/webhooks/${id}/deliveries`, bearer)).body.deliveries

/** Moves the clock to the earliest wake-up the outbox asked for, and waits for the run it starts. */
const nextWake = async (s: WebhookServer, scheduler: ManualScheduler): Promise<boolean> => {
  const wakes = scheduler.pending()
  if (wakes.length === 0) return false
  scheduler.advance(Math.max(0, Math.min(...wakes) - scheduler.now()))
  await s.handle.outbox.idle()
  return true
}

/** The receiver's check exactly as docs/webhooks.md gives it (the block after `verify-recipe`). */
const documentedVerifier = async (): Promise<(secret: string, body: string, header: unknown, nowMs: number) => boolean> => {
  const page = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'webhooks.md'), 'utf8')
  const block = /<!-- verify-recipe[^>]*-->\s*```js\n([\s\S]*?)```/.exec(page)?.[1]
  expect(block, 'docs/webhooks.md has the verify-recipe block').toBeDefined()
  const file = join(fresh(), 'recipe.mjs')
  writeFileSync(file, block as string)
  return ((await import(pathToFileURL(file).href)) as { verifyRotaSignature: (secret: string, body: string, header: unknown, nowMs: number) => boolean }).verifyRotaSignature
}

describe('webhooks from publishing, against real HTTP receivers', () => {
  it('[W1] a publication and each person\'s inbox item are delivered, signed; the documented recipe verifies them', async () => {
    const scheduler = manualScheduler(NOW)
    const s = await start(fresh(), scheduler)
    const t = await tokens()
    const verify = await documentedVerifier()
    const hook = await receiver([], ({ headers, body }) => (verify(hookSecret, body, headers['rota-signature'], scheduler.now()) ? 204 : 401))
    const endpoint = await register(s, t.admin, hook.url, ['publication.created', 'inbox.published'])
    expect(endpoint).toMatchObject({ tenant: 'acme', url: hook.url, events: ['publication.created', 'inbox.published'], enabled: true, createdBy: 'root' })
    expect(endpoint).not.toHaveProperty('secret')

    await seed(s, t.manager)
    await publish(s, t.manager)
    await s.handle.outbox.idle()
    const got = await hook.waitFor(3)
    expect(got.map((r) => r.answered)).toEqual([204, 204, 204])
    const events = got.map((r) => JSON.parse(r.body) as WebhookEvent)
    expect(events.map((e) => e.type).sort()).toEqual(['inbox.published', 'inbox.published', 'publication.created'])
    const publication = events.find((e) => e.type === 'publication.created') as WebhookEvent
    expect(publication.data).toMatchObject({ publication: { id: 'pub_1', doc: 'acme/2026-w10', range: week, people: 2 }, staff: ['ana', 'ben'] })
    expect(events.filter((e) => e.type === 'inbox.published').map((e) => (e.data.item as { staff: string }).staff).sort()).toEqual(['ana', 'ben'])
    for (const r of got) {
      const event = JSON.parse(r.body) as WebhookEvent
      expect(r.headers['rota-webhook-id']).toBe(event.id)
      expect(r.headers['rota-webhook-event']).toBe(event.type)
      expect(r.headers['content-type']).toBe('application/json')
      expect(r.headers['rota-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
      // Tampering with the body, or another secret, fails the same recipe.
      expect(verify(hookSecret, r.body.replace('acme', 'acmf'), r.headers['rota-signature'], scheduler.now())).toBe(false)
      expect(verify('another-secret-0123456789', r.body, r.headers['rota-signature'], scheduler.now())).toBe(false)
      expect(verify(hookSecret, r.body, r.headers['rota-signature'], scheduler.now() + 301_000)).toBe(false)
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(3)
    const log = await deliveries(s, t.admin, endpoint.id)
    expect(log.map((d) => [d.status, d.attempts.length, d.attempts[0]?.status])).toEqual([['delivered', 1, 204], ['delivered', 1, 204], ['delivered', 1, 204]])
  })

  it('[W2] retried with backoff on the injected clock after 500, a dropped connection and a timeout; delivered once, the same id and body every time', async () => {
    const scheduler = manualScheduler(NOW)
    const registry = new Registry()
    const s = await start(fresh(), scheduler, { registry, policy: { attemptTimeoutMs: 200 } })
    const t = await tokens()
    const hook = await receiver([500, 'close', 'hang', 200])
    const endpoint = await register(s, t.admin, hook.url, ['publication.created'])
    await seed(s, t.manager)
    await publish(s, t.manager)
    await s.handle.outbox.idle()
    expect(hook.received).toHaveLength(1)

    const [pending] = await deliveries(s, t.admin, endpoint.id)
    expect(pending).toMatchObject({ status: 'pending', attempts: [{ ok: false, status: 500, error: 'HTTP 500' }] })
    // The first retry waits 15–30 s (30 s with equal jitter), never less.
    const wait = Date.parse(pending!.nextAttemptAt as string) - NOW
    expect(wait).toBeGreaterThanOrEqual(15_000)
    expect(wait).toBeLessThanOrEqual(30_000)

    for (let i = 0; i < 10 && hook.received.length < 4; i++) await nextWake(s, scheduler)
    expect(hook.received.map((r) => r.answered)).toEqual([500, 'close', 'hang', 200])
    // Nothing more goes out, however long we wait.
    scheduler.advance(48 * HOUR)
    await s.handle.outbox.idle()
    expect(hook.received).toHaveLength(4)

    const ids = new Set(hook.received.map((r) => r.headers['rota-webhook-id']))
    expect(ids.size).toBe(1)
    expect(new Set(hook.received.map((r) => r.body)).size).toBe(1)
    expect(hook.received.map((r) => r.headers['rota-webhook-attempt'])).toEqual(['1', '2', '3', '4'])
    const [done] = await deliveries(s, t.admin, endpoint.id)
    expect(done!.status).toBe('delivered')
    expect(done!.event.id).toBe([...ids][0])
    expect(done!.attempts.map((a) => a.ok)).toEqual([false, false, false, true])
    expect(done!.attempts[1]!.error).toMatch(/ECONNRESET|socket hang up/)
    expect(done!.attempts[2]!.error).toBe('timed out after 200 ms')

    const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value
    expect(await metric('rota_webhooks_deliveries_queued_total')).toBe(1)
    expect(await metric('rota_webhooks_delivery_retries_total')).toBe(3)
    expect(await metric('rota_webhooks_deliveries_delivered_total')).toBe(1)
    expect(await metric('rota_webhooks_outbox_waiting')).toBe(0)
    const answered = await call<Endpoint>(s.server, 'GET', `/api/teams/acme/webhooks/${endpoint.id}`, t.admin)
    expect(answered.body).toMatchObject({ consecutiveFailures: 0, failingSince: null, enabled: true })
  })

  it('[W3] an endpoint failing for 24 h (15+ attempts in a row) is disabled, its deliveries wait paused, and an admin enables it again', async () => {
    const scheduler = manualScheduler(NOW)
    const registry = new Registry()
    const s = await start(fresh(), scheduler, { registry })
    const t = await tokens()
    let up = false
    const hook = await receiver([], () => (up ? 200 : 500))
    const endpoint = await register(s, t.admin, hook.url, ['publication.created'])
    await seed(s, t.manager)
    await publish(s, t.manager)
    await s.handle.outbox.idle()
    // A second publication 12 hours later: its own retry window would run until 36 h.
    let second = false
    let attempts = 1
    for (let i = 0; i < 200; i++) {
      const state = (await call<Endpoint>(s.server, 'GET', `/api/teams/acme/webhooks/${endpoint.id}`, t.admin)).body
      if (!state.enabled) break
      if (!second && scheduler.now() >= NOW + 12 * HOUR) {
        second = true
        await publish(s, t.manager)
        await s.handle.outbox.idle()
      }
      expect(await nextWake(s, scheduler)).toBe(true)
      attempts = hook.received.length
    }
    const disabled = (await call<Endpoint>(s.server, 'GET', `/api/teams/acme/webhooks/${endpoint.id}`, t.admin)).body
    expect(disabled.enabled).toBe(false)
    expect(disabled.consecutiveFailures).toBeGreaterThanOrEqual(15)
    expect(Date.parse(disabled.disabledAt as string) - NOW).toBeGreaterThanOrEqual(24 * HOUR)
    expect(disabled.disabledReason).toMatch(/consecutive failed attempts/)
    expect(attempts).toBe(hook.received.length)
    expect(await (await registry.getSingleMetric('rota_webhooks_endpoints_disabled')?.get())?.values[0]?.value).toBe(1)

    // While disabled nothing goes out: the second delivery is paused, and so is a new event's.
    await publish(s, t.manager)
    scheduler.advance(6 * HOUR)
    await s.handle.outbox.idle()
    expect(hook.received).toHaveLength(attempts)
    // Newest first. The first delivery either gave up at the end of its 24 h (the failure that disabled the
    // endpoint was its own) or was paused (the second delivery's failure came first): the jitter decides.
    const log = await deliveries(s, t.admin, endpoint.id)
    expect(log.slice(0, 2).map((d) => d.status)).toEqual(['paused', 'paused'])
    expect(['paused', 'failed']).toContain(log[2]!.status)
    const paused = log.filter((d) => d.status === 'paused').map((d) => d.event.id)

    // A manager may not enable it; an admin of the tenant may.
    const refused = await call<{ error: { code: string } }>(s.server, 'POST', `/api/teams/acme/webhooks/${endpoint.id}/enable`, t.manager)
    expect([refused.status, refused.body.error.code]).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    up = true
    const enabled = await call<{ endpoint: Endpoint; resumed: number }>(s.server, 'POST', `/api/teams/acme/webhooks/${endpoint.id}/enable`, t.admin)
    expect(enabled.status).toBe(200)
    expect(enabled.body).toMatchObject({ resumed: paused.length, endpoint: { enabled: true, consecutiveFailures: 0, disabledAt: null } })
    await s.handle.outbox.idle()
    const after = await deliveries(s, t.admin, endpoint.id)
    expect(after.map((d) => d.status)).toEqual(log.map((d) => (d.status === 'paused' ? 'delivered' : 'failed')))
    // A given-up delivery is not sent again; each paused one once.
    expect(hook.received.slice(attempts).map((r) => r.headers['rota-webhook-id']).sort()).toEqual([...paused].sort())
    const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value
    expect(await metric('rota_webhooks_endpoints_disabled')).toBe(0)
    expect(await metric('rota_webhooks_deliveries_failed_total')).toBe(3 - paused.length)
    expect(await metric('rota_webhooks_outbox_waiting')).toBe(0)
  })

  it('[W4] the outbox survives a restart: a delivery queued when the server stopped goes out when it starts again, with the same id', async () => {
    const dir = fresh()
    const scheduler = manualScheduler(NOW)
    const t = await tokens()
    let up = false
    const hook = await receiver([], () => (up ? 200 : 503))
    const first = await startWebhookServer(dir, { scheduler }, () => scheduler.now())
    const endpoint = await register(first, t.admin, hook.url, ['publication.created'])
    await seed(first, t.manager)
    await publish(first, t.manager)
    await first.handle.outbox.idle()
    expect(hook.received.map((r) => r.answered)).toEqual([503])
    await first.close()

    up = true
    scheduler.advance(HOUR)
    const again = await start(dir, scheduler)
    await again.handle.outbox.idle()
    await hook.waitFor(2)
    expect(hook.received[1]!.answered).toBe(200)
    expect(hook.received[1]!.headers['rota-webhook-id']).toBe(hook.received[0]!.headers['rota-webhook-id'])
    expect(hook.received[1]!.body).toBe(hook.received[0]!.body)
    expect((await deliveries(again, t.admin, endpoint.id)).map((d) => [d.status, d.attempts.length])).toEqual([['delivered', 2]])
  })

  it('[W5] a server on the real clock stops with its delivery pending (every attempt failed); the next start sends it', async () => {
    const dir = fresh()
    const t = await tokens()
    const hook = await receiver([200])
    // The first server never sends: its attempts all fail fast without touching the network.
    const first = await startWebhookServer(dir, { send: async () => ({ status: null, error: 'offline (test)' }) })
    await register(first, t.admin, hook.url, ['publication.created'])
    await seed(first, t.manager)
    await publish(first, t.manager)
    await first.handle.outbox.idle()
    expect(hook.received).toHaveLength(0)
    await first.close()
    // With the real clock the retry is due within 30 s; the restarted server is told the time is past it.
    const later = manualScheduler(Date.now() + HOUR)
    const again = await start(dir, later)
    const [got] = await hook.waitFor(1)
    expect(JSON.parse(got!.body)).toMatchObject({ type: 'publication.created', tenant: 'acme' })
    await again.handle.outbox.idle()
  })

  it('[W6] tenants are apart: an admin sees and changes only their tenant\'s endpoints, and only its events reach them', async () => {
    const scheduler = manualScheduler(NOW)
    const s = await start(fresh(), scheduler)
    const t = await tokens()
    const acmeHook = await receiver([200])
    const boltHook = await receiver([200])
    const acme = await register(s, t.admin, acmeHook.url, ['publication.created'])
    const bolt = await register(s, t.boltAdmin, boltHook.url, ['publication.created'], 'bolt')

    for (const [method, path] of [['GET', '/api/teams/bolt/webhooks'], ['POST', `/api/teams/bolt/webhooks/${bolt.id}/enable`], ['DELETE', `/api/teams/bolt/webhooks/${bolt.id}`], ['GET', `/api/teams/bolt/webhooks/${bolt.id}/deliveries`]] as const) {
      const res = await call<{ error: { code: string } }>(s.server, method, path, t.admin)
      expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 403, 'ROTA_ERR_FORBIDDEN'])
    }
    const sideways = await call<{ error: { code: string } }>(s.server, 'GET', `/api/teams/acme/webhooks/${bolt.id}`, t.admin)
    expect([sideways.status, sideways.body.error.code]).toEqual([404, 'ROTA_WEBHOOK_NOT_FOUND'])
    expect((await call<{ endpoints: Endpoint[] }>(s.server, 'GET', '/api/teams/bolt/webhooks', t.boltAdmin)).body.endpoints.map((e) => e.id)).toEqual([bolt.id])
    expect((await call<{ endpoints: Endpoint[] }>(s.server, 'GET', '/api/teams/acme/webhooks', t.operator)).body.endpoints.map((e) => e.id)).toEqual([acme.id])
    const managers = await call<{ error: { code: string } }>(s.server, 'GET', '/api/teams/acme/webhooks', t.manager)
    expect(managers.status).toBe(403)

    await seed(s, t.manager)
    await publish(s, t.manager)
    await s.handle.outbox.idle()
    await acmeHook.waitFor(1)
    expect(boltHook.received).toHaveLength(0)
    expect((await deliveries(s, t.boltAdmin, bolt.id, 'bolt'))).toHaveLength(0)

    const removed = await call(s.server, 'DELETE', `/api/teams/acme/webhooks/${acme.id}`, t.admin)
    expect(removed.body).toEqual({ removed: acme.id, pending: 0 })
    expect((await call(s.server, 'GET', `/api/teams/acme/webhooks/${acme.id}/deliveries`, t.admin)).status).toBe(404)
  })

  it('[W7] bad input is refused with a stable code and changes nothing', async () => {
    const scheduler = manualScheduler(NOW)
    const s = await start(fresh(), scheduler, { allowPrivateAddresses: false })
    const t = await tokens()
    const cases: Array<[unknown, string]> = [
      [{ url: 'ftp://example.org/hook', events: ['publication.created'] }, 'ROTA_WEBHOOK_BAD_URL'],
      [{ url: 'not a url', events: ['publication.created'] }, 'ROTA_WEBHOOK_BAD_URL'],
      [{ url: 'javascript:alert(1)', events: ['publication.created'] }, 'ROTA_WEBHOOK_BAD_URL'],
      [{ url: 'https://user:pw@example.org/hook', events: ['publication.created'] }, 'ROTA_WEBHOOK_BAD_URL'],
      [{ url: 'https://example.org/hook', events: ['shift.deleted'] }, 'ROTA_WEBHOOK_UNKNOWN_EVENT'],
      [{ url: 'https://example.org/hook', events: [] }, 'ROTA_WEBHOOK_UNKNOWN_EVENT'],
      [{ url: 'https://example.org/hook', events: ['publication.created'], secret: 'short' }, 'ROTA_WEBHOOK_BAD_SECRET'],
      [{ url: 'http://127.0.0.1:9/hook', events: ['publication.created'] }, 'ROTA_WEBHOOK_PRIVATE_ADDRESS'],
      [{ url: 'http://169.254.169.254/latest/meta-data', events: ['publication.created'] }, 'ROTA_WEBHOOK_PRIVATE_ADDRESS'],
      [{ url: 'http://[::ffff:10.0.0.1]/hook', events: ['publication.created'] }, 'ROTA_WEBHOOK_PRIVATE_ADDRESS'],
      [{ url: 'http://localhost:8080/hook', events: ['publication.created'] }, 'ROTA_WEBHOOK_PRIVATE_ADDRESS'],
      [{ events: ['publication.created'] }, 'ROTA_ERR_BAD_REQUEST'],
    ]
    for (const [body, code] of cases) {
      const res = await call<{ error: { code: string } }>(s.server, 'POST', '/api/teams/acme/webhooks', t.admin, body)
      expect([JSON.stringify(body), res.status, res.body.error.code]).toEqual([JSON.stringify(body), 400, code])
    }
    expect((await call(s.server, 'GET', '/api/teams/acme/webhooks', t.admin)).body).toEqual({ endpoints: [] })
    const unknown = await call<{ error: { code: string } }>(s.server, 'POST', '/api/teams/acme/webhooks/wh_0123456789abcdef/enable', t.admin)
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'ROTA_WEBHOOK_NOT_FOUND'])
    const made = await call<{ secret: string }>(s.server, 'POST', '/api/teams/acme/webhooks', t.admin, { url: 'https://example.org/hook', events: ['inbox.published'] })
    expect(made.status).toBe(201)
    expect(made.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/)
  })
})
