import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { openLevelLog } from '@rota/log-leveldb'
import { createAuth } from '@rota/auth'
import { applyOps } from '@rota/model'
import { CliErrorCode, logDirOf, parseCommandLine, resolveConfig, run } from './index.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const capture = () => {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err }
}

describe('configuration', () => {
  it('uses the fixed names: flags over environment over defaults', () => {
    const defaults = resolveConfig(parseCommandLine(['serve']).values, {}, '/repo')
    expect(defaults).toMatchObject({ port: 1234, host: '127.0.0.1', dataDir: '/repo/data', logLevel: 'info', durability: 'sync' })
    const env = { PORT: '8080', HOST: '0.0.0.0', ROTA_DATA_DIR: '/srv/rota', ROTA_LOG_LEVEL: 'debug', ROTA_COMPRESSION_THRESHOLD: '2048', ROTA_CLIENT_COMPRESSION: 'large-messages' }
    expect(resolveConfig(parseCommandLine(['serve']).values, env, '/repo')).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/srv/rota',
      logLevel: 'debug',
      compressionThreshold: 2048,
      clientCompression: 'large-messages',
    })
    const flags = parseCommandLine(['serve', '--port', '9', '--data-dir', 'rel', '--log-level', 'warn']).values
    expect(resolveConfig(flags, env, '/repo')).toMatchObject({ port: 9, dataDir: '/repo/rel', logLevel: 'warn', host: '0.0.0.0' })
  })

  it('takes a relative data dir from where npm was started (INIT_CWD)', () => {
    expect(resolveConfig(parseCommandLine([]).values, { INIT_CWD: '/root/of/repo' }).dataDir).toBe('/root/of/repo/data')
  })

  it('refuses bad values with a usage error', async () => {
    for (const env of [{ PORT: 'abc' }, { PORT: '70000' }, { ROTA_LOG_LEVEL: 'loud' }, { ROTA_DURABILITY: 'maybe' }, { ROTA_CLIENT_COMPRESSION: 'always' }]) {
      expect(() => resolveConfig(parseCommandLine([]).values, env, '/')).toThrow(expect.objectContaining({ code: CliErrorCode.BadConfig }))
    }
    const { io, err } = capture()
    expect(await run(['serve', '--no-such-flag'], io)).toBe(2)
    expect(err.join('\n')).toContain(CliErrorCode.Usage)
    expect(await run(['frobnicate'], io)).toBe(2)
  })
})

describe('offline commands on a data dir', () => {
  it('lists, shows history, exports (also --at) and verifies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-cli-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const log = await openLevelLog({ dir: logDirOf(dir) })
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    applyOps(doc, [{ op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } }])
    applyOps(doc, [{ op: 'set', path: 'settings.name', value: 'Ward 3' }])
    for (const update of updates) {
      await log.append('acme/w1', update, { actor: 'ana', role: 'manager', origin: 'rest', clientIds: [doc.clientID], receivedAt: Date.now() })
    }
    await log.close()
    const args = ['--data-dir', dir]

    let c = capture()
    expect(await run(['docs', ...args, '--json'], c.io)).toBe(0)
    expect(JSON.parse(c.out[0]!)).toEqual([{ doc: 'acme/w1', headSeq: 2, lastChange: expect.any(String) }])

    c = capture()
    expect(await run(['history', 'acme/w1', ...args], c.io)).toBe(0)
    expect(c.out).toHaveLength(2)
    expect(c.out[0]).toMatch(/^2\t.*\tana \(manager\)\trest\t\d+ B\t\+settings\.name$/)
    expect(c.out[1]).toMatch(/\+staff\.ana$/)

    c = capture()
    expect(await run(['export', 'acme/w1', ...args], c.io)).toBe(0)
    expect(JSON.parse(c.out.join('\n')).settings.name).toBe('Ward 3')
    c = capture()
    expect(await run(['export', 'acme/w1', '--at', '1', ...args], c.io)).toBe(0)
    const past = JSON.parse(c.out.join('\n'))
    expect([past.settings.name, past.staff.ana.name]).toEqual(['', 'Ana'])

    c = capture()
    expect(await run(['verify', ...args], c.io)).toBe(0)
    expect(c.out).toEqual(['1 documents, 2 entries, 0 damaged'])

    c = capture()
    expect(await run(['export', 'missing', ...args], c.io)).toBe(1)
    expect(c.err.join('')).toContain(CliErrorCode.NotFound)
  })
})

describe('rota repair', () => {
  it('names the lost seqs of a cut write-ahead log, and cuts only when told', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-repair-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const log = await openLevelLog({ dir: logDirOf(dir) })
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < 30; i++) applyOps(doc, [{ op: 'set', path: 'settings.name', value: `Ward ${i}` }])
    // One batch per entry: the write-ahead log holds them one after the other.
    for (const update of updates) {
      await log.append('acme/w1', update, { actor: 'ana', role: 'manager', origin: 'rest', clientIds: [doc.clientID], receivedAt: Date.now() })
    }
    await log.close()
    const walDir = logDirOf(dir)
    const wal = (await readdir(walDir)).filter((name) => /^\d+\.log$/.test(name)).sort((a, b) => Number.parseInt(a) - Number.parseInt(b)).at(-1)!
    await truncate(join(walDir, wal), Math.floor((await stat(join(walDir, wal))).size / 2))
    const args = ['--data-dir', dir]

    // The damage is never silent: the store does not open as if nothing happened.
    let c = capture()
    expect(await run(['verify', ...args], c.io)).toBe(1)
    expect(c.err.join('\n')).toMatch(/acme\/w1 seq \d+: missing/)
    c = capture()
    expect(await run(['verify', '--json', ...args], c.io)).toBe(1)
    expect(JSON.parse(c.out[0]!).damaged[0]).toMatchObject({ doc: 'acme/w1', reason: 'missing' })

    // Salvage without cutting: the lost seqs are named, the document is still damaged, exit 1.
    c = capture()
    expect(await run(['repair', ...args], c.io)).toBe(1)
    const lost = c.err.find((line) => line.startsWith('acme/w1: lost seqs'))
    expect(lost).toMatch(/^acme\/w1: lost seqs \d+–30$/)
    expect(c.err.join('\n')).toContain('--truncate-damaged')

    // Cutting: the document ends at its last intact entry and verifies clean.
    c = capture()
    expect(await run(['repair', '--truncate-damaged', ...args], c.io)).toBe(0)
    const firstLost = Number(/lost seqs (\d+)/.exec(lost!)![1])
    expect(c.err).toEqual([lost])
    expect(c.out).toEqual([`1 documents, ${firstLost - 1} entries; 1 with lost entries, 0 still damaged`])
    c = capture()
    expect(await run(['verify', ...args], c.io)).toBe(0)
    expect(c.out).toEqual([`1 documents, ${firstLost - 1} entries, 0 damaged`])
    c = capture()
    expect(await run(['verify', '--json', ...args], c.io)).toBe(0)
    expect(JSON.parse(c.out[0]!)).toEqual({ documents: 1, entries: firstLost - 1, damaged: [] })
  })
})

describe('rota token', () => {
  const secret = 'rota-cli-test-secret-rota-cli-test-secret-0123'

  it('mints a token the server accepts, with the claims asked for', async () => {
    const c = capture()
    const args = ['token', '--sub', 'ana', '--tenant', 'acme', '--role', 'staff', '--staff-id', 'st1', '--expires', '1h']
    expect(await run(args, c.io, { ROTA_AUTH_SECRET: secret })).toBe(0)
    expect(c.out).toHaveLength(1)
    const identity = await createAuth({ secret }).authenticate(c.out[0])
    expect(identity).toEqual({ sub: 'ana', tenant: 'acme', role: 'staff', staffId: 'st1' })
    const payload = JSON.parse(Buffer.from(c.out[0]!.split('.')[1]!, 'base64url').toString())
    expect(payload.exp - payload.iat).toBe(3600)
    // Another secret does not accept it.
    await expect(createAuth({ secret: secret.replace('0123', '9876') }).authenticate(c.out[0])).rejects.toMatchObject({ code: 'ROTA_AUTH_INVALID' })
  })

  it('refuses without a secret, and refuses claims the server would refuse', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--sub', 'ana', '--tenant', 'acme', '--role', 'manager'], {}, /HS256 secret/],
      [['--sub', 'ana', '--tenant', 'acme', '--role', 'staff'], { ROTA_AUTH_SECRET: secret }, /staffId/],
      [['--sub', 'ana', '--role', 'manager'], { ROTA_AUTH_SECRET: secret }, /--tenant/],
      [['--sub', 'ana', '--tenant', 'acme', '--role', 'boss'], { ROTA_AUTH_SECRET: secret }, /role/],
      [['--sub', 'ana', '--tenant', 'acme', '--role', 'manager', '--expires', 'soon'], { ROTA_AUTH_SECRET: secret }, /duration/],
    ]
    for (const [args, env, message] of cases) {
      const c = capture()
      expect(await run(['token', ...args], c.io, env)).toBe(2)
      expect(c.out).toEqual([])
      expect(c.err.join('\n')).toMatch(message)
    }
  })
})
