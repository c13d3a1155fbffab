import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { createMemoryLog } from '@rota/log'
import { startServer } from '@rota/server'
import { WebhookErrorCode } from './errors.ts'
import { createWebhooks } from './extension.ts'
import { createWebhookMetrics } from './metrics.ts'
import { eventTypes } from './types.ts'

const docs = join(import.meta.dirname, '..', '..', '..', 'docs')
const doc = (name: string): string => readFileSync(join(docs, name), 'utf8')
const page = doc('webhooks.md')

describe('docs/webhooks.md stays in step with the extension', () => {
  it('lists every route the extension serves', async () => {
    const server = await startServer({ log: createMemoryLog(), logger: false, extensions: [createWebhooks().extension] })
    try {
      const spec = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> }
      let routes = 0
      for (const [path, methods] of Object.entries(spec.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          if (!op.tags?.includes('webhooks')) continue
          routes++
          expect(page, `${method} ${path}`).toContain(`\`${method.toUpperCase()} ${path}\``)
        }
      }
      expect(routes).toBe(6)
    } finally {
      await server.close()
    }
  })

  it('lists every error code, event type and metric; the alerts use only real metrics', async () => {
    for (const code of Object.values(WebhookErrorCode)) expect(page, code).toContain(`\`${code}\``)
    for (const type of eventTypes) expect(page, type).toContain(`| \`${type}\` |`)
    const registry = new Registry()
    createWebhookMetrics(registry)
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name)
    for (const name of names) expect(page, name).toContain(`\`${name}\``)
    const used = new Set([...(doc('grafana-dashboard.json') + doc('alerts.yml')).matchAll(/rota_webhooks_[a-z_]+/g)].map((m) => m[0]))
    for (const name of used) expect(names, name).toContain(name.replace(/_(bucket|count|sum)$/, ''))
    expect(used.size).toBeGreaterThan(1)
  })

  it('is linked from the publishing and operations pages', () => {
    expect(doc('publishing.md')).toContain('(webhooks.md)')
    expect(doc('operations.md')).toContain('(webhooks.md)')
  })
})
