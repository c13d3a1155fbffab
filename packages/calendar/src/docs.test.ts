import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createMemoryLog } from '@rota/log'
import { startServer } from '@rota/server'
import { CalendarErrorCode } from './errors.ts'
import { calendarExtension } from './extension.ts'

const docs = join(import.meta.dirname, '..', '..', '..', 'docs')
const page = readFileSync(join(docs, 'calendar.md'), 'utf8')
const rest = readFileSync(join(docs, 'rest-api.md'), 'utf8')

describe('docs/calendar.md and rest-api.md stay in step with the extension', () => {
  it('list every route the extension serves', async () => {
    const server = await startServer({ log: createMemoryLog(), logger: false, extensions: [calendarExtension({ publications: () => undefined })] })
    try {
      const spec = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> }
      let routes = 0
      for (const [path, methods] of Object.entries(spec.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          if (!op.tags?.some((tag) => tag === 'calendar' || tag === 'exports')) continue
          routes++
          expect(page, `${method} ${path}`).toContain(`\`${method.toUpperCase()} ${path}`)
          expect(rest, `${method} ${path}`).toContain(`\`${method.toUpperCase()} ${path.replace('{file}', '{token}.ics')}`)
        }
      }
      expect(routes).toBe(6)
    } finally {
      await server.close()
    }
  })

  it('list every error code', () => {
    for (const code of Object.values(CalendarErrorCode)) {
      expect(page, code).toContain(`\`${code}\``)
      expect(rest, code).toContain(`\`${code}\``)
    }
  })
})
