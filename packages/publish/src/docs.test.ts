import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { createMemoryLog } from '@rota/log'
import { startServer } from '@rota/server'
import { PublishErrorCode } from './errors.ts'
import { publishExtension } from './extension.ts'
import { createPublishMetrics } from './metrics.ts'

const page = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'publishing.md'), 'utf8')

describe('docs/publishing.md stays in step with the extension', () => {
  it('lists every route the extension serves', async () => {
    const server = await startServer({ log: createMemoryLog(), logger: false, extensions: [publishExtension()] })
    try {
      const spec = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> }
      let routes = 0
      for (const [path, methods] of Object.entries(spec.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          if (!op.tags?.some((tag) => tag === 'publishing' || tag === 'inbox')) continue
          routes++
          expect(page, `${method} ${path}`).toContain(`\`${method.toUpperCase()} ${path}\``)
        }
      }
      expect(routes).toBe(12)
    } finally {
      await server.close()
    }
  })

  it('lists every error code and metric', async () => {
    for (const code of Object.values(PublishErrorCode)) expect(page, code).toContain(`\`${code}\``)
    const registry = new Registry()
    createPublishMetrics(registry)
    for (const { name } of await registry.getMetricsAsJSON()) expect(page, name).toContain(`\`${name}\``)
  })
})
