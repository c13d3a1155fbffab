/**
 * Prints the REST reference in Markdown from the server's OpenAPI document, for docs/rest-api.md:
 *   npx tsx packages/server/scripts/rest-reference.ts
 */
import { createMemoryLog } from '@rota/log'
import { createMemoryRoleRulesStore, loadRoleRulesCache } from '@rota/auth'
import { startServer } from '../src/server.ts'
import { roleRulesExtension } from '../src/plugins/roleRules.ts'

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; description?: string; enum?: unknown[]; items?: Schema; format?: string; minimum?: number; maximum?: number; default?: unknown }
interface Operation {
  summary?: string
  description?: string
  tags?: string[]
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema; description?: string }>
  requestBody?: { content: Record<string, { schema: Schema }> }
  responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>
}

const typeOf = (schema: Schema | undefined): string => {
  if (schema === undefined) return 'any'
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ')
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any')
  if (type === 'array') return `${typeOf(schema.items)}[]`
  return schema.format ? `${type} (${schema.format})` : type
}

const fields = (schema: Schema | undefined, indent = ''): string[] => {
  if (schema?.properties === undefined) return []
  return Object.entries(schema.properties).flatMap(([name, prop]) => {
    const required = schema.required?.includes(name) ? '' : '?'
    const note = prop.description ? ` — ${prop.description}` : ''
    const bounds = [prop.minimum !== undefined ? `≥ ${prop.minimum}` : '', prop.maximum !== undefined ? `≤ ${prop.maximum}` : '', prop.default !== undefined ? `default ${JSON.stringify(prop.default)}` : ''].filter(Boolean).join(', ')
    const line = `${indent}- \`${name}${required}\`: ${typeOf(prop)}${bounds ? ` (${bounds})` : ''}${note}`
    const nested = prop.type === 'object' ? fields(prop, indent + '  ') : prop.type === 'array' && prop.items?.type === 'object' ? fields(prop.items, indent + '  ') : []
    return [line, ...nested]
  })
}

// With the extensions `rota serve` always runs that belong to this reference (the resolver's are in resolver.md).
const rules = await loadRoleRulesCache(createMemoryRoleRulesStore())
const server = await startServer({ log: createMemoryLog(), logger: false, extensions: [roleRulesExtension({ cache: rules })] })
const spec = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> }
await server.close()

const out: string[] = []
for (const [path, methods] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(methods)) {
    out.push(`### \`${method.toUpperCase()} ${path}\``, '')
    if (op.summary) out.push(op.summary + '.', '')
    if (op.description) out.push(op.description, '')
    const params = op.parameters ?? []
    if (params.length > 0) {
      out.push('Parameters:', '')
      for (const p of params) out.push(`- \`${p.name}\` (${p.in}${p.required ? ', required' : ''}): ${typeOf(p.schema)}${p.description || p.schema?.description ? ` — ${p.description ?? p.schema?.description}` : ''}`)
      out.push('')
    }
    const body = op.requestBody?.content['application/json']?.schema
    if (body) out.push('Body (JSON):', '', ...fields(body), '')
    for (const [status, response] of Object.entries(op.responses)) {
      const schema = Object.values(response.content ?? {})[0]?.schema
      if (Number(status) >= 400 && schema?.properties?.error !== undefined) continue
      out.push(`Response ${status}:`, '', ...(fields(schema).length > 0 ? fields(schema) : [`- ${typeOf(schema)}`]), '')
    }
    const errors = Object.entries(op.responses)
      .filter(([s, r]) => Number(s) >= 400 && Object.values(r.content ?? {})[0]?.schema.properties?.error !== undefined)
      .map(([s]) => s)
    if (errors.length > 0) out.push(`Errors: ${errors.join(', ')} with the error shape.`, '')
  }
}
process.stdout.write(out.join('\n'))
