// `rota serve --log-url` on a real PostgreSQL (ROTA_TEST_POSTGRES_URL; CI starts one with .ci/postgres.sh):
// `rota migrate` creates the schema, the server keeps its entries there, and the CLI reads them while the
// server runs — what a LevelDB data directory cannot do. Skipped, and says so, without PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCommandLine, resolveConfig } from './config.ts'
import { startServing } from './commands/serve.ts'
import { openLevelLog } from '@rota/log-leveldb'
import { logDirOf, run } from './index.ts'

const url = process.env.ROTA_TEST_POSTGRES_URL ?? ''
if (url === '') console.warn('[@rota/cli] ROTA_TEST_POSTGRES_URL is not set: rota serve --log-url is NOT tested (eval "$(.ci/postgres.sh start)")')

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const rota = async (args: string[], env: Record<string, string> = {}) => {
  const out: string[] = []
  const err: string[] = []
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, env)
  return { code, out, err: err.join('\n') }
}

describe.skipIf(url === '')('rota serve with the update log on PostgreSQL', () => {
  it('migrates, serves, and lets the CLI read the log while the server runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-pg-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const schema = `cli_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`
    const env = { ROTA_LOG_URL: url, ROTA_LOG_SCHEMA: schema }

    // Servers never run DDL: without the schema the server refuses to start.
    const flags = ['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent']
    const { values } = parseCommandLine(flags)
    await expect(startServing(resolveConfig(values, env), values, {})).rejects.toThrow(/migrate|schema/i)

    const migrated = await rota(['migrate'], env)
    expect(migrated).toMatchObject({ code: 0, out: [expect.stringMatching(new RegExp(`schema "${schema}" migrated from version 0`))] })
    expect((await rota(['migrate'], env)).out).toEqual([expect.stringContaining('is up to date')])

    const serving = await startServing(resolveConfig(values, env), values, {})
    cleanup.push(() => serving.stop())
    for (const name of ['Ward 3', 'Ward 4']) {
      const res = await fetch(`${serving.server.url}/api/docs/${encodeURIComponent('acme/w1')}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ops: [{ op: 'set', path: 'settings.name', value: name }] }),
      })
      expect(res.status).toBe(200)
    }

    // The server holds no lock on PostgreSQL: the CLI reads the same log beside it.
    const docs = await rota(['docs', '--json', '--data-dir', dir], env)
    expect(docs.code).toBe(0)
    expect(JSON.parse(docs.out[0]!)).toEqual([{ doc: 'acme/w1', headSeq: 2, lastChange: expect.any(String) }])
    const exported = await rota(['export', 'acme/w1', '--at', '1', '--data-dir', dir], env)
    expect(JSON.parse(exported.out.join('\n')).settings.name).toBe('Ward 3')
    expect((await rota(['verify', '--data-dir', dir], env)).out).toEqual(['1 documents, 2 entries, 0 damaged'])
    expect((await rota(['repair', '--data-dir', dir], env)).code).toBe(2)
  })
})

describe.skipIf(url === '')('rota import-leveldb', () => {
  it('moves every entry with its seq and metadata, and leaves out a document it cannot keep the seqs of', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-import-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const schema = `imp_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`
    const env = { ROTA_LOG_URL: url, ROTA_LOG_SCHEMA: schema }
    expect((await rota(['migrate'], env)).code).toBe(0)

    // An embedded deployment: a whole history, and one cut by truncateAfter (seqs 4–5 never reused).
    const serving = await startServing(resolveConfig(parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent']).values, {}), parseCommandLine(['serve']).values, {})
    for (const [doc, names] of [['acme/w1', ['A', 'B', 'C']], ['acme/cut', ['A', 'B', 'C', 'D', 'E']]] as const) {
      for (const name of names) {
        const res = await fetch(`${serving.server.url}/api/docs/${encodeURIComponent(doc)}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ops: [{ op: 'set', path: 'settings.name', value: name }] }),
        })
        expect(res.status).toBe(200)
      }
    }
    await serving.stop()
    const level = await openLevelLog({ dir: logDirOf(dir) })
    await level.truncateAfter('acme/cut', 3)
    await level.close()
    const before = await rota(['history', 'acme/w1', '--json', '--data-dir', dir])

    const imported = await rota(['import-leveldb', '--data-dir', dir], env)
    expect(imported.code).toBe(1)
    expect(imported.out).toEqual(['1 documents, 3 entries imported; 1 not imported'])
    expect(imported.err).toMatch(/acme\/cut: not imported: .*truncateAfter/)
    // The same history, seqs, actors and times, read from PostgreSQL.
    const after = await rota(['history', 'acme/w1', '--json'], env)
    expect(JSON.parse(after.out[0]!)).toEqual(JSON.parse(before.out[0]!))
    expect(JSON.parse((await rota(['export', 'acme/w1', '--at', '2'], env)).out.join('\n')).settings.name).toBe('B')
    expect(JSON.parse((await rota(['docs', '--json'], env)).out[0]!).map((d: { doc: string }) => d.doc)).toEqual(['acme/w1'])
    // Again: nothing is imported twice.
    const again = await rota(['import-leveldb', '--data-dir', dir], env)
    expect(again.err).toMatch(/acme\/w1: not imported: the PostgreSQL log has this document already/)
  })
})
