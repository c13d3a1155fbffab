// `rota serve --log-url`: the resolver runs on the PostgreSQL store with per-document leases
// (ROTA_TEST_POSTGRES_URL; CI starts one with .ci/postgres.sh). Two instances on one schema: the first
// to store an update of a document takes its lease, the other leaves the document to it; a clean
// shutdown releases it for the other at once. Skipped, and says so, without PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCommandLine, resolveConfig } from './config.ts'
import { startServing, type Serving } from './commands/serve.ts'
import { run } from './index.ts'

const url = process.env.ROTA_TEST_POSTGRES_URL ?? ''
if (url === '') console.warn('[@rota/cli] ROTA_TEST_POSTGRES_URL is not set: the resolver on PostgreSQL is NOT tested (eval "$(.ci/postgres.sh start)")')

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const silent = { out: () => undefined, err: () => undefined }

/** A gauge's value on /metrics (0 when absent). */
const gauge = async (serving: Serving, name: string): Promise<number> => {
  const text = await (await fetch(`${serving.server.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? 0 : Number(line.split(' ')[1])
}

/** Polls (bounded) until `check` holds: the leases move on requests and shutdown, never on a timer here. */
const eventually = async (check: () => Promise<boolean>, what: string): Promise<void> => {
  for (let i = 0; i < 400; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`never: ${what}`)
}

describe.skipIf(url === '')('rota serve --log-url runs the resolver on PostgreSQL', () => {
  it('leases each document to one instance, and a clean shutdown hands it to the other', async () => {
    const schema = `cli_res_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`
    const env = { ROTA_LOG_URL: url, ROTA_LOG_SCHEMA: schema }
    expect(await run(['migrate'], silent, env)).toBe(0)
    const start = async (id: string): Promise<Serving> => {
      const dir = await mkdtemp(join(tmpdir(), 'rota-res-pg-'))
      cleanup.push(() => rm(dir, { recursive: true, force: true }))
      const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent', '--instance-id', id, '--room-idle-ms', '600000'])
      const serving = await startServing(resolveConfig(values, env), values, {})
      cleanup.push(() => serving.stop())
      return serving
    }
    const patch = (serving: Serving, name: string) => fetch(`${serving.server.url}/api/docs/${encodeURIComponent('acme/w1')}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ops: [{ op: 'set', path: 'settings.name', value: name }] }),
    })
    const a = await start('a')
    const b = await start('b')
    expect((await patch(a, 'Ward 3')).status).toBe(200)
    await eventually(async () => (await gauge(a, 'rota_resolver_leases_held')) === 1, 'a holds the lease')
    expect((await patch(b, 'Ward 4')).status).toBe(200)
    // b stored an update of a document a holds: it does not take the lease.
    expect(await gauge(b, 'rota_resolver_leases_held')).toBe(0)
    // The conflicts API answers on both from the one store.
    const conflicts = await fetch(`${b.server.url}/api/docs/${encodeURIComponent('acme/w1')}/conflicts`)
    expect(conflicts.status).toBe(200)
    expect(await conflicts.json()).toEqual({ conflicts: [] })

    await a.stop()
    expect((await patch(b, 'Ward 5')).status).toBe(200)
    await eventually(async () => (await gauge(b, 'rota_resolver_leases_held')) === 1, 'b took the released lease')
  })
})
