import { afterEach, describe, expect, it } from 'vitest'
import { Writable } from 'node:stream'
import { createMemoryLog } from '@rota/log'
import { startServer, type RotaServer } from '@rota/server'
import { resolverExtension } from './extension.ts'

let server: RotaServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** A server with the resolver, in open mode (every caller an admin), that keeps its log lines. */
const start = async () => {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString()
      done()
    },
  })
  server = await startServer({ log: createMemoryLog(), logger: { level: 'info', stream }, extensions: [resolverExtension()] })
  return { server, logged: () => text }
}

const conflictRoute = '/api/docs/acme%2Fw1/conflicts/c_1'
const settingsRoute = '/api/teams/acme/resolver-settings'

/** Client mistakes on the conflicts and settings routes: [method, path, content type, body]. */
const mistakes: Array<[string, string, string, string]> = [
  ['POST', `${conflictRoute}/resolve`, 'application/json', '{not json'],
  ['POST', `${conflictRoute}/resolve`, 'application/json', '{"__proto__":{"admin":true},"optionId":"a"}'],
  ['POST', `${conflictRoute}/resolve`, 'application/json', '{"constructor":{"prototype":{"admin":true}},"optionId":"a"}'],
  ['POST', `${conflictRoute}/resolve`, 'application/x-www-form-urlencoded', 'optionId=a'],
  ['POST', `${conflictRoute}/resolve`, 'application/json', '{"optionId":{"a":1}}'],
  ['POST', `${conflictRoute}/dismiss`, 'application/json', '{not json'],
  ['PUT', settingsRoute, 'application/json', '{not json'],
  ['PUT', settingsRoute, 'application/json', '{"__proto__":{"threshold":2}}'],
  ['PUT', settingsRoute, 'application/x-www-form-urlencoded', 'threshold=1'],
  ['PUT', settingsRoute, 'text/plain', 'threshold'],
  ['PUT', settingsRoute, 'application/json', '{"threshold":"high"}'],
  ['PUT', settingsRoute, 'application/json', '{"alwaysAsk":"double_booking"}'],
  ['PUT', settingsRoute, 'application/json', '[1, 2]'],
]

describe('resolver routes', () => {
  it.each(mistakes)('answer %s %s (%s) %s with a 4xx in the error shape, logging no error', async (method, path, type, body) => {
    const { server, logged } = await start()
    const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': type }, body })
    // Before: 500 ROTA_ERR_INTERNAL and an error-level log line for the first five kinds.
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    const answer = await res.json()
    expect(answer).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Object) } })
    expect(answer.error.code).not.toBe('ROTA_ERR_INTERNAL')
    expect(logged()).not.toMatch(/"level":50/)
    // Nothing polluted: settings are what they were.
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
    const settings = await (await fetch(`${server.url}${settingsRoute}`)).json()
    expect(settings.threshold).toBeGreaterThanOrEqual(0)
    expect(settings.threshold).toBeLessThanOrEqual(1)
  })
})
