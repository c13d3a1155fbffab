// `rota export --format csv`: through a running server (--url) and on the stopped server's data directory,
// the same bytes as the REST export (GET /api/docs/:doc/exports/<kind>.csv); a real `rota serve` setup wires it.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mintToken } from '@rota/auth'
import { parseCommandLine, resolveConfig } from './config.ts'
import { startServing, type Serving } from './commands/serve.ts'
import { CliErrorCode, run } from './index.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const secret = 'rota-cli-export-csv-test-secret-0123456789ab'
const token = (role: 'admin' | 'manager', tenant: string | null = 'acme') =>
  mintToken({ secret, allowPublicOpen: false }, { sub: `${role}-1`, tenant, role }, { expiresIn: 600 })

const rota = async (args: string[], env: Record<string, string> = {}) => {
  const out: string[] = []
  const err: string[] = []
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, env)
  return { code, out, err: err.join('\n') }
}

const serve = async (dir: string): Promise<Serving> => {
  const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent', '--auth-secret', secret])
  return startServing(resolveConfig(values, {}), values, {})
}

const set = (path: string, value: unknown) => ({ op: 'set', path, value })
const doc = 'acme/2026-w10'

describe('rota export --format csv', () => {
  it('[EXP-CLI1] prints what the REST export answers, with --url and on the data directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-export-csv-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const serving = await serve(dir)
    let stopped = false
    cleanup.push(() => (stopped ? undefined : serving.stop()))
    const url = serving.server.url
    const manager = await token('manager')
    const res = await fetch(`${url}/api/docs/${encodeURIComponent(doc)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${manager}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ops: [
          set('staff.ana', { name: 'Ana, "RN"', role: 'nurse' }), set('staff.ben', { name: '=Ben', role: 'nurse' }),
          set('shifts.s1', { date: '2026-03-08', start: '22:00', end: '06:00', role: 'nurse', assignee: 'ana', notes: 'night\nshift' }),
          set('shifts.s2', { date: '2026-03-10', start: '09:00', end: '17:30', role: 'nurse', assignee: 'ben' }),
          set('shifts.s3', { date: '2026-03-11', start: '09:00', end: '13:00', role: 'nurse', assignee: null, notes: '-open' }),
        ],
      }),
    })
    expect(res.status).toBe(200)

    const flags = (kind: string) => ['export', doc, '--format', 'csv', '--kind', kind, '--from', '2026-03-02', '--to', '2026-03-15']
    const rest = async (kind: string) => {
      const r = await fetch(`${url}/api/docs/${encodeURIComponent(doc)}/exports/${kind}.csv?from=2026-03-02&to=2026-03-15`, { headers: { authorization: `Bearer ${manager}` } })
      expect(r.status).toBe(200)
      return r.text()
    }
    const expected = { hours: await rest('hours'), shifts: await rest('shifts') }
    expect(expected.hours).toContain('ana,"Ana, ""RN""",2026-03-02,2,120\r\n')
    for (const kind of ['hours', 'shifts'] as const) {
      const remote = await rota([...flags(kind), '--url', url], { ROTA_TOKEN: manager })
      expect(remote.code, remote.err).toBe(0)
      expect(`${remote.out.join('\n')}\r\n`).toBe(expected[kind])
    }

    // Refusals: usage errors before any request, the server's codes after.
    expect((await rota(['export', doc, '--format', 'csv', '--kind', 'pay', '--from', '2026-03-02', '--to', '2026-03-15', '--url', url], { ROTA_TOKEN: manager })).code).toBe(2)
    const backwards = await rota(['export', doc, '--format', 'csv', '--kind', 'hours', '--from', '2026-03-15', '--to', '2026-03-02', '--url', url], { ROTA_TOKEN: manager })
    expect([backwards.code, backwards.err.includes(CliErrorCode.Usage)]).toEqual([2, true])
    expect((await rota(['export', doc, '--format', 'xml'])).code).toBe(2)
    const missing = await rota(['export', 'acme/none', '--format', 'csv', '--kind', 'hours', '--from', '2026-03-02', '--to', '2026-03-15', '--url', url], { ROTA_TOKEN: manager })
    expect([missing.code, missing.err.includes(CliErrorCode.NotFound)]).toEqual([1, true])
    const other = await rota([...flags('hours'), '--url', url], { ROTA_TOKEN: await token('manager', 'bolt') })
    expect([other.code, other.err.includes('ROTA_ERR_FORBIDDEN')]).toEqual([1, true])

    // The feed route is wired in `rota serve` too.
    const feed = await fetch(`${url}/api/teams/acme/calendar-feeds/ana`, { method: 'POST', headers: { authorization: `Bearer ${manager}` } })
    expect(feed.status).toBe(200)
    const { path } = (await feed.json()) as { path: string }
    const ics = await fetch(`${url}${path}`)
    expect([ics.status, (await ics.text()).startsWith('BEGIN:VCALENDAR\r\n')]).toEqual([200, true])

    await serving.stop()
    stopped = true
    for (const kind of ['hours', 'shifts'] as const) {
      const local = await rota([...flags(kind), '--data-dir', dir])
      expect(local.code, local.err).toBe(0)
      expect(`${local.out.join('\n')}\r\n`).toBe(expected[kind])
    }
  })
})
