import { afterEach, describe, expect, it } from 'vitest'
import { createHmac } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Identity } from '@rota/auth'
import { startReceiver, type Behaviour } from '../../../packages/webhooks/src/testing.ts'
import { parseCommandLine, resolveConfig } from './config.ts'
import { startServing, type Serving } from './commands/serve.ts'
import { run } from './index.ts'
import { spawnServe } from './testing.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const secret = 'rota-cli-webhooks-test-secret-0123456789ab'
const hookSecret = 'receiver-secret-0123456789'

/** An HS256 token as any JWT library would sign it. */
const mint = (identity: Partial<Identity>): string => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...identity, exp: Math.floor(Date.now() / 1000) + 600 })}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}
const admin = mint({ sub: 'ada', tenant: 'acme', role: 'admin' })
const boltAdmin = mint({ sub: 'bo', tenant: 'bolt', role: 'admin' })

const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'rota-webhooks-cli-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const receiver = async (script: Behaviour[] | (() => Behaviour)) => {
  const r = Array.isArray(script) ? await startReceiver(script) : await startReceiver([], script as () => number)
  cleanup.push(() => r.close())
  return r
}

const serve = async (dir: string, extra: string[] = []): Promise<Serving> => {
  const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent', '--auth-secret', secret, ...extra])
  const serving = await startServing(resolveConfig(values, {}), values, {})
  cleanup.push(() => serving.stop())
  return serving
}

/** `rota webhooks …` in this process. */
const rota = async (args: string[]) => {
  const out: string[] = []
  const err: string[] = []
  const code = await run(['webhooks', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => '' }, {})
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const request = async (url: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  expect(res.status, `${method} ${path}`).toBe(200)
}

/** A week with two people's shifts, published by the tenant's admin. */
const seedAndPublish = async (url: string) => {
  const shift = (date: string, assignee: string) => ({ date, start: '08:00', end: '16:00', role: 'nurse', assignee })
  await request(url, 'PATCH', '/api/docs/acme%2Fw10', {
    ops: [
      { op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } },
      { op: 'set', path: 'shifts.s1', value: shift('2026-03-02', 'ana') },
    ],
  })
  await request(url, 'POST', '/api/docs/acme%2Fw10/publications', { from: '2026-03-02', to: '2026-03-08' })
}

describe('rota webhooks, and rota serve delivering them', () => {
  it('registers through the server, delivers a publication, shows the log; refuses bad input; works on the stopped server\'s directory', { timeout: 60_000 }, async () => {
    const dir = await tempDir()
    const hook = await receiver([200])
    const serving = await serve(dir, ['--webhooks-allow-private', 'on'])
    const remote = ['--url', serving.server.url, '--token', admin]

    const added = await rota(['add', 'acme', hook.url, '--events', 'publication.created,inbox.published', '--secret', hookSecret, ...remote])
    expect(added.code).toBe(0)
    expect(added.err).toMatch(/keep the secret/)
    const { endpoint } = JSON.parse(added.out) as { endpoint: { id: string; events: string[] } }
    expect(endpoint.events).toEqual(['publication.created', 'inbox.published'])

    await seedAndPublish(serving.server.url)
    const got = await hook.waitFor(2)
    expect(got.map((r) => (JSON.parse(r.body) as { type: string }).type).sort()).toEqual(['inbox.published', 'publication.created'])

    // The receiver has answered; the server records the outcome right after (a bounded wait for it, not a timed one).
    let statuses: string[] = []
    for (let i = 0; i < 1000 && statuses.join() !== 'delivered,delivered'; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 10))
      const log = await rota(['deliveries', 'acme', endpoint.id, '--limit', '10', ...remote])
      expect(log.code).toBe(0)
      statuses = (JSON.parse(log.out) as { deliveries: Array<{ status: string }> }).deliveries.map((d) => d.status)
    }
    expect(statuses).toEqual(['delivered', 'delivered'])

    const bad = await rota(['add', 'acme', 'ftp://example.org/x', '--events', 'publication.created', ...remote])
    expect([bad.code, bad.err]).toEqual([1, expect.stringContaining('[ROTA_WEBHOOK_BAD_URL]')])
    const unknown = await rota(['add', 'acme', 'https://example.org/x', '--events', 'shift.moved', ...remote])
    expect([unknown.code, unknown.err]).toEqual([1, expect.stringContaining('[ROTA_WEBHOOK_UNKNOWN_EVENT]')])
    expect((await rota(['frob', 'acme'])).code).toBe(2)
    const sideways = await rota(['list', 'acme', '--url', serving.server.url, '--token', boltAdmin])
    expect([sideways.code, sideways.err]).toEqual([1, expect.stringContaining('[ROTA_ERR_FORBIDDEN]')])
    const locked = await rota(['list', 'acme', '--data-dir', dir])
    expect([locked.code, locked.err]).toEqual([1, expect.stringContaining('[ROTA_CLI_LOCKED]')])

    await serving.stop()
    // The stopped server's directory: the same endpoints, the same validation (no private addresses without the flag).
    const listed = await rota(['list', 'acme', '--data-dir', dir])
    expect(listed.code).toBe(0)
    expect((JSON.parse(listed.out) as { endpoints: Array<{ id: string }> }).endpoints.map((e) => e.id)).toEqual([endpoint.id])
    const privateRefused = await rota(['add', 'acme', hook.url, '--events', 'publication.created', '--data-dir', dir])
    expect([privateRefused.code, privateRefused.err]).toEqual([1, expect.stringContaining('[ROTA_WEBHOOK_PRIVATE_ADDRESS]')])
    const removed = await rota(['remove', 'acme', endpoint.id, '--data-dir', dir])
    expect(JSON.parse(removed.out)).toEqual({ removed: endpoint.id, pending: 0 })
    expect(JSON.parse((await rota(['list', 'acme', '--data-dir', dir])).out)).toEqual({ tenant: 'acme', endpoints: [] })
  })

  it('a server killed with SIGKILL while a delivery is in flight delivers it after the restart, with the same id', { timeout: 120_000 }, async () => {
    const dir = await tempDir()
    let behaviour: Behaviour = 'hang'
    const hook = await receiver(() => behaviour)
    const args = ['--auth-secret', secret, '--webhooks-allow-private', 'on', '--log-level', 'info']
    const first = await spawnServe(dir, args)
    cleanup.push(() => first.child.kill('SIGKILL'))
    const added = await rota(['add', 'acme', hook.url, '--events', 'publication.created', '--secret', hookSecret, '--url', first.url, '--token', admin])
    expect(added.code).toBe(0)
    await seedAndPublish(first.url)
    // The attempt has reached the receiver, which does not answer: the delivery is still pending in the outbox.
    await hook.waitFor(1)
    first.child.kill('SIGKILL')
    expect(await first.exited).toBeNull()

    behaviour = 200
    const second = await spawnServe(dir, args)
    cleanup.push(() => second.child.kill('SIGKILL'))
    const [hung, delivered] = await hook.waitFor(2)
    expect(delivered!.answered).toBe(200)
    expect(delivered!.headers['rota-webhook-id']).toBe(hung!.headers['rota-webhook-id'])
    expect(delivered!.body).toBe(hung!.body)
  })
})
