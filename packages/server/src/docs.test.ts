import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CloseCode } from '@rota/protocol'
import { ServerErrorCode } from './errors.ts'
import { createMetrics } from './metrics.ts'
import { startTestServer } from './testing.ts'
import { roleRulesExtension } from './plugins/roleRules.ts'
import { createMemoryRoleRulesStore, loadRoleRulesCache } from '@rota/auth'

const doc = (name: string) => readFileSync(fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url)), 'utf8')

describe('docs stay in step with the code', () => {
  it('rest-api.md lists every error code', () => {
    const page = doc('rest-api.md')
    for (const code of Object.values(ServerErrorCode)) expect(page, code).toContain(`\`${code}\``)
  })

  it('protocol.md lists every close code', () => {
    const page = doc('protocol.md')
    for (const [name, code] of Object.entries(CloseCode)) {
      if (code === CloseCode.Normal) continue
      expect(page, name).toMatch(new RegExp(`\\| ${code} \\| ${name} \\|`))
    }
  })

  it('operations.md describes every metric, and the dashboard and alerts use only real ones', async () => {
    const { registry } = createMetrics({ defaultMetrics: false })
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name)
    const page = doc('operations.md')
    for (const name of names) expect(page, name).toContain(`\`${name}\``)
    const used = new Set([...(doc('grafana-dashboard.json') + doc('alerts.yml')).matchAll(/rota_[a-z_]+/g)].map((m) => m[0]))
    for (const name of used) {
      const base = name.replace(/_(bucket|count|sum)$/, '')
      // The resolver registers its own metrics on the same registry; packages/resolver's docs test checks those.
      if (base.startsWith('rota_resolver_')) continue
      // So do the webhooks (packages/webhooks' docs test).
      if (base.startsWith('rota_webhooks_')) continue
      expect(names, name).toContain(base)
    }
    expect(used.size).toBeGreaterThan(8)
  })

  it('rest-api.md covers every route of the OpenAPI document (with the team rules routes)', async () => {
    const cache = await loadRoleRulesCache(createMemoryRoleRulesStore())
    const server = await startTestServer({ extensions: [roleRulesExtension({ cache })] })
    try {
      const spec = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, object> }
      const page = doc('rest-api.md')
      for (const [path, methods] of Object.entries(spec.paths)) {
        for (const method of Object.keys(methods)) expect(page, `${method} ${path}`).toContain(`${method.toUpperCase()} ${path}`)
      }
    } finally {
      await server.close()
    }
  })
})
