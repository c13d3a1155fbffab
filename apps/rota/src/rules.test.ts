import { afterEach, describe, expect, it } from 'vitest'
import { createHmac } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultRoleRules, type Identity } from '@rota/auth'
import { parseCommandLine, resolveConfig } from './config.ts'
import { rulesDirOf, startServing, type Serving } from './commands/serve.ts'
import { CliErrorCode, run } from './index.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const secret = 'rota-cli-rules-test-secret-0123456789abcdef'

/** An HS256 token as any JWT library would sign it (node:crypto, so the CLI needs no JWT dependency). */
const mint = (identity: Partial<Identity>): string => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...identity, exp: Math.floor(Date.now() / 1000) + 600 })}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}

const admin = mint({ sub: 'ada', tenant: 'acme', role: 'admin' })
const lead = mint({ sub: 'lee', tenant: 'acme', role: 'lead' })
const other = mint({ sub: 'bo', tenant: 'bolt', role: 'admin' })

const capture = (stdin = '') => {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), readStdin: async () => stdin }, out, err }
}

const tempDir = async (name: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), name))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const serve = async (dir: string): Promise<Serving> => {
  const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent', '--auth-secret', secret])
  const serving = await startServing(resolveConfig(values, {}), values, {})
  cleanup.push(() => serving.stop())
  return serving
}

/** `rota rules …` in this process; returns the exit code with what it printed. */
const rota = async (args: string[], stdin?: string) => {
  const c = capture(stdin)
  const code = await run(['rules', ...args], c.io, {})
  return { code, out: c.out.join('\n'), err: c.err.join('\n') }
}

describe('rota rules through a running server (--url --token)', () => {
  it('shows, sets and resets a team\'s rules; the server judges with them at once and keeps them across a restart', { timeout: 60_000 }, async () => {
    const dir = await tempDir('rota-rules-cli-')
    const file = join(dir, 'rules.json')
    await writeFile(file, JSON.stringify({ staffRecords: 'lead' }))
    let serving = await serve(dir)
    const remote = (token: string) => ['--url', serving.server.url, '--token', token]

    let res = await rota(['show', 'acme', ...remote(lead)])
    expect([res.code, JSON.parse(res.out), res.err]).toEqual([0, defaultRoleRules, 'acme: the defaults'])

    res = await rota(['set', 'acme', file, ...remote(lead)])
    expect([res.code, res.err]).toEqual([1, expect.stringContaining(`[ROTA_ERR_FORBIDDEN]`)])
    res = await rota(['set', 'acme', file, ...remote(other)])
    expect(res.err).toContain('403')

    res = await rota(['set', 'acme', file, ...remote(admin)])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.out)).toEqual({ ...defaultRoleRules, staffRecords: 'lead' })
    expect(res.err).toMatch(/^acme: set by ada at \d{4}-/)
    // What the auth hooks hand the update path: the team now lets leads maintain staff records.
    expect(serving.rules.get('acme').staffRecords).toBe('lead')
    expect(serving.rules.get('bolt')).toBe(defaultRoleRules)

    res = await rota(['set', 'acme', '-', ...remote(admin)], '{"selfService":{"pickUp":"yes"}}')
    expect([res.code, res.err]).toEqual([1, expect.stringContaining('[ROTA_AUTH_BAD_RULES]')])
    expect(serving.rules.get('acme').staffRecords).toBe('lead')

    res = await rota(['show', 'acme', '--json', ...remote(lead)])
    expect(JSON.parse(res.out)).toMatchObject({ tenant: 'acme', isDefault: false, updatedBy: 'ada' })
    expect((await rota(['show', 'acme', '--url', serving.server.url])).err).toContain('[ROTA_AUTH_MISSING]')

    // The server holds the store: the local mode says so and names the way through the server.
    res = await rota(['show', 'acme', '--data-dir', dir])
    expect(res.code).toBe(1)
    expect(res.err).toContain(`[${CliErrorCode.Locked}]`)
    expect(res.err).toContain('--url')

    await serving.stop()
    serving = await serve(dir)
    expect(serving.rules.get('acme').staffRecords).toBe('lead')
    res = await rota(['reset', 'acme', ...remote(admin)])
    expect([res.code, JSON.parse(res.out), res.err]).toEqual([0, defaultRoleRules, 'acme: the defaults'])
    expect(serving.rules.get('acme')).toBe(defaultRoleRules)
  })

  it('says which server it cannot reach', async () => {
    const res = await rota(['show', 'acme', '--url', 'http://127.0.0.1:1', '--token', admin])
    expect([res.code, res.err]).toEqual([1, expect.stringContaining('cannot reach http://127.0.0.1:1')])
  })
})

describe('rota rules on a data directory (no server running)', () => {
  it('reads without creating the store, sets from stdin, and what it set is what rota serve then uses', { timeout: 60_000 }, async () => {
    const dir = await tempDir('rota-rules-local-')
    const local = ['--data-dir', dir]
    let res = await rota(['show', 'acme', ...local])
    expect([res.code, JSON.parse(res.out)]).toEqual([0, defaultRoleRules])
    expect(existsSync(rulesDirOf(dir))).toBe(false)

    res = await rota(['set', 'acme', '-', ...local], '{"timeOff":"manager","selfService":{"addTimeOff":false}}')
    expect(res.code).toBe(0)
    expect(res.err).toMatch(/^acme: set by local:/)
    res = await rota(['set', 'acme', '-', ...local], '{"timeOff":"viewer"}')
    expect([res.code, res.err]).toEqual([1, expect.stringContaining('[ROTA_AUTH_BAD_RULES]')])

    const serving = await serve(dir)
    expect(serving.rules.get('acme')).toMatchObject({ timeOff: 'manager', selfService: { addTimeOff: false } })
    await serving.stop()

    res = await rota(['reset', 'acme', '--json', ...local])
    expect(JSON.parse(res.out)).toEqual({ tenant: 'acme', rules: defaultRoleRules, isDefault: true, updatedBy: null, updatedAt: null })
    expect(JSON.parse((await rota(['show', 'acme', ...local])).out)).toEqual(defaultRoleRules)
  })

  it('refuses bad arguments with a usage error', async () => {
    const dir = await tempDir('rota-rules-usage-')
    const file = join(dir, 'broken.json')
    await writeFile(file, '{ "shifts": ')
    for (const args of [[], ['list', 'acme'], ['show'], ['show', 'acme/w1'], ['show', 'acme', 'extra'], ['set', 'acme'], ['set', 'acme', file], ['set', 'acme', join(dir, 'missing.json')], ['show', 'acme', '--token', admin]]) {
      const res = await rota([...args, '--data-dir', dir])
      expect(res.code, args.join(' ')).toBe(2)
      expect(res.err, args.join(' ')).toContain(CliErrorCode.Usage)
    }
    expect(existsSync(rulesDirOf(dir))).toBe(false)
  })
})
