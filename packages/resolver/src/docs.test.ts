import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { createResolverMetrics } from './metrics.ts'

const docs = join(import.meta.dirname, '..', '..', '..', 'docs')
const doc = (name: string): string => readFileSync(join(docs, name), 'utf8')

describe('docs stay in step with the resolver', () => {
  it('resolver.md describes every resolver metric, and the dashboard and alerts use only real ones', async () => {
    const registry = new Registry()
    createResolverMetrics(registry)
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name)
    expect(names.length).toBeGreaterThan(3)
    const page = doc('resolver.md') + doc('operations.md')
    for (const name of names) expect(page, name).toContain(name)
    const used = new Set([...(doc('grafana-dashboard.json') + doc('alerts.yml')).matchAll(/rota_resolver_[a-z_]+/g)].map((m) => m[0]))
    for (const name of used) expect(names, name).toContain(name.replace(/_(bucket|count|sum)$/, ''))
    expect(used.size).toBeGreaterThan(0)
  })
})
