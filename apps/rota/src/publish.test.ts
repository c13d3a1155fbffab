import { afterEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCommandLine, resolveConfig } from './config.ts'
import { publishDirOf, startServing } from './commands/serve.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const json = async (url: string, method = 'GET', body?: unknown) => {
  const res = await fetch(url, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('rota serve runs publishing', () => {
  it('publishes a range, keeps its store under <dataDir>/publish, previews with the resolver beside it and reports to /metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-serve-publish-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent'])
    const serving = await startServing(resolveConfig(values, {}), values, {})
    cleanup.push(() => serving.stop())
    const doc = `${serving.server.url}/api/docs/${encodeURIComponent('acme/w10')}`
    const shift = (start: string) => ({ date: '2026-03-02', start, end: '16:00', role: 'nurse', assignee: 'ana' })
    const ops = [
      { op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } },
      { op: 'set', path: 'shifts.s1', value: shift('08:00') },
      { op: 'set', path: 'shifts.s2', value: shift('12:00') },
    ]
    expect((await json(doc, 'PATCH', { ops })).status).toBe(200)

    const preview = await json(`${doc}/publications/preview?from=2026-03-02&to=2026-03-08`)
    expect(preview.status).toBe(200)
    expect(preview.body.violations).toContainEqual(expect.objectContaining({ kind: 'double_booking', shifts: ['s1', 's2'] }))
    // Open mode: the anonymous admin may publish; the resolver's open conflicts (none here) decide the confirmation.
    const published = await json(`${doc}/publications`, 'POST', { from: '2026-03-02', to: '2026-03-08', confirm: true })
    expect(published.status).toBe(200)
    expect(published.body.publication).toMatchObject({ id: 'pub_1', people: 1 })
    expect(existsSync(publishDirOf(dir))).toBe(true)
    const metrics = await (await fetch(`${serving.server.url}/metrics`)).text()
    expect(metrics).toMatch(/^rota_publish_publications_total 1$/m)
  })
})
