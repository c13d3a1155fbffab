// The document commands against a running server (--url, --token) give the same output and exit codes as
// the local mode on the same data once the server has stopped; a stopped-server-only command explains itself.
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

const secret = 'rota-cli-remote-test-secret-0123456789abcdef'
const token = (role: 'admin' | 'manager' | 'viewer', tenant: string | null = 'acme') =>
  mintToken({ secret, allowPublicOpen: false }, { sub: `${role}-1`, tenant, role }, { expiresIn: 600 })

const capture = () => {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err }
}

const rota = async (args: string[], env: Record<string, string> = {}) => {
  const c = capture()
  const code = await run(args, c.io, env)
  return { code, out: c.out, err: c.err.join('\n') }
}

const serve = async (dir: string): Promise<Serving> => {
  const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent', '--auth-secret', secret])
  return startServing(resolveConfig(values, {}), values, {})
}

const patch = async (url: string, auth: string, doc: string, ops: unknown[]) => {
  const res = await fetch(`${url}/api/docs/${encodeURIComponent(doc)}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ops }),
  })
  expect(res.status).toBe(200)
}

describe('document commands against a running server', () => {
  it('docs, history, export, verify and restore: the same answers as the local mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-remote-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const serving = await serve(dir)
    let stopped = false
    cleanup.push(() => (stopped ? undefined : serving.stop()))
    const url = serving.server.url
    const admin = await token('admin', null)
    await patch(url, admin, 'acme/w1', [{ op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } }])
    await patch(url, admin, 'acme/w1', [{ op: 'set', path: 'settings.name', value: 'Ward 3' }])
    await patch(url, admin, 'acme/w1', [{ op: 'set', path: 'settings.name', value: 'Ward 4' }])

    // While the server runs, the local mode is refused with a way out.
    const locked = await rota(['docs', '--data-dir', dir])
    expect(locked.code).toBe(1)
    expect(locked.err).toContain(CliErrorCode.Locked)
    expect(locked.err).toContain('--url')

    const remote = ['--url', url]
    const env = { ROTA_TOKEN: admin }
    const commands = [['docs', '--json'], ['history', 'acme/w1'], ['export', 'acme/w1', '--at', '2'], ['verify']]
    const answers = []
    for (const command of commands) answers.push(await rota([...command, ...remote], env))
    expect(answers.map((a) => a.code)).toEqual([0, 0, 0, 0])
    expect(JSON.parse(answers[0]!.out[0]!)).toEqual([{ doc: 'acme/w1', headSeq: 3, lastChange: expect.any(String) }])
    expect(answers[1]!.out).toHaveLength(3)
    expect(JSON.parse(answers[2]!.out.join('\n')).settings.name).toBe('Ward 3')
    expect(answers[3]!.out).toEqual(['1 documents, 3 entries, 0 damaged'])

    // restore over REST appends an entry; the token's holder is its actor.
    const restored = await rota(['restore', 'acme/w1', '--at', '2', ...remote], env)
    expect(restored).toMatchObject({ code: 0, out: ['acme/w1: restored to seq 2 as seq 4'] })
    const again = await rota(['restore', 'acme/w1', '--at', '2', ...remote], env)
    expect(again.out).toEqual(['acme/w1: already as at seq 2; nothing appended'])

    // Refusals keep the server's codes; a missing document is the local mode's NOT_FOUND.
    const manager = await rota(['verify', 'acme/w1', ...remote], { ROTA_TOKEN: await token('manager') })
    expect(manager.code).toBe(1)
    expect(manager.err).toContain('ROTA_ERR_FORBIDDEN')
    const missing = await rota(['export', 'acme/none', ...remote], env)
    expect(missing.code).toBe(1)
    expect(missing.err).toContain(CliErrorCode.NotFound)
    const noToken = await rota(['docs', ...remote])
    expect(noToken.code).toBe(1)
    expect(noToken.err).toMatch(/401|ROTA_AUTH/)

    // The same commands on the stopped server's data directory print the same lines.
    const newest = [await rota(['docs', '--json', ...remote], env), await rota(['history', 'acme/w1', ...remote], env), answers[2]!, answers[3]!]
    await serving.stop()
    stopped = true
    for (const [i, command] of commands.entries()) {
      const local = await rota([...command, '--data-dir', dir])
      expect(local.code, command.join(' ')).toBe(0)
      expect(local.out, command.join(' ')).toEqual(i === 3 ? ['1 documents, 4 entries, 0 damaged'] : newest[i]!.out)
    }
    const restoredLocally = await rota(['restore', 'acme/w1', '--at', '3', '--data-dir', dir])
    expect(restoredLocally).toMatchObject({ code: 0, out: ['acme/w1: restored to seq 3 as seq 5'] })
    expect(JSON.parse((await rota(['export', 'acme/w1', '--data-dir', dir])).out.join('\n')).settings.name).toBe('Ward 4')
    const missingLocally = await rota(['export', 'acme/none', '--data-dir', dir])
    expect([missingLocally.code, missingLocally.err.includes(CliErrorCode.NotFound)]).toEqual([missing.code, true])
  })
})

describe('rota team', () => {
  it('gets and sets the resolver settings through the server and on the stopped server\'s directory alike', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-team-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const serving = await serve(dir)
    let stopped = false
    cleanup.push(() => (stopped ? undefined : serving.stop()))
    const remote = ['--url', serving.server.url]
    const manager = { ROTA_TOKEN: await token('manager') }

    const fresh = await rota(['team', 'get', 'acme', ...remote], manager)
    expect(fresh.code).toBe(0)
    expect(JSON.parse(fresh.out.join('\n'))).toMatchObject({ team: 'acme', resolver: { threshold: 0.8, alwaysAsk: [] }, rules: { staffRecords: expect.any(String) } })

    const set = await rota(['team', 'set', 'acme', '--threshold', '0.9', '--always-ask', 'double_booking', ...remote], manager)
    expect(set.code).toBe(0)
    expect(JSON.parse(set.out.join('\n')).resolver).toEqual({ threshold: 0.9, alwaysAsk: ['double_booking'] })

    // Refused alike: a bad value (before any request), another team's manager, the local mode while the server runs.
    expect((await rota(['team', 'set', 'acme', '--threshold', '1.5', ...remote], manager)).code).toBe(2)
    expect((await rota(['team', 'set', 'acme', '--always-ask', 'nonsense', ...remote], manager)).code).toBe(2)
    const other = await rota(['team', 'get', 'bolt', ...remote], manager)
    expect([other.code, other.err.includes('FORBIDDEN')]).toEqual([1, true])
    const locked = await rota(['team', 'get', 'acme', '--data-dir', dir])
    expect([locked.code, locked.err.includes(CliErrorCode.Locked)]).toEqual([1, true])

    await serving.stop()
    stopped = true
    const local = await rota(['team', 'get', 'acme', '--data-dir', dir])
    expect(local.code).toBe(0)
    expect(JSON.parse(local.out.join('\n'))).toEqual(JSON.parse(set.out.join('\n')))
    const cleared = await rota(['team', 'set', 'acme', '--always-ask', '', '--data-dir', dir])
    expect(JSON.parse(cleared.out.join('\n')).resolver).toEqual({ threshold: 0.9, alwaysAsk: [] })
  })
})
