import { afterEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCommandLine, resolveConfig } from './config.ts'
import { resolverDirOf, startServing } from './commands/serve.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

describe('rota serve runs the conflict resolver', () => {
  it('serves the conflicts API, keeps its store under <dataDir>/resolver and reports to /metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-serve-resolver-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent'])
    const serving = await startServing(resolveConfig(values, {}), values, {})
    cleanup.push(() => serving.stop())
    const res = await fetch(`${serving.server.url}/api/docs/${encodeURIComponent('acme/w1')}/conflicts`)
    expect(res.status).toBe(200)
    expect(existsSync(resolverDirOf(dir))).toBe(true)
    const metrics = await (await fetch(`${serving.server.url}/metrics`)).text()
    expect(metrics).toContain('rota_resolver_auto_accuracy')
  })
})

describe('rota serve --no-resolver', () => {
  it('serves no conflicts route, keeps no resolver store and reports no resolver metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-serve-no-resolver-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent', '--no-resolver'])
    const serving = await startServing(resolveConfig(values, {}), values, {})
    cleanup.push(() => serving.stop())
    const res = await fetch(`${serving.server.url}/api/docs/${encodeURIComponent('acme/w1')}/conflicts`)
    expect(res.status).toBe(404)
    // The server's JSON 404, not the web app's page (served at other paths when apps/web is built).
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ROTA_ERR_NOT_FOUND')
    // The rest of the server is there as usual.
    expect((await fetch(`${serving.server.url}/healthz`)).status).toBe(200)
    expect(existsSync(resolverDirOf(dir))).toBe(false)
    const metrics = await (await fetch(`${serving.server.url}/metrics`)).text()
    expect(metrics).not.toContain('rota_resolver_')
  })
})
