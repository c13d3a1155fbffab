import { afterEach, describe, expect, it } from 'vitest'
import { Writable } from 'node:stream'
import WebSocket from 'ws'
import { createMemoryLog } from '@rota/log'
import { CloseCode } from '@rota/protocol'
import { ServerErrorCode, startServer, type AdminAction, type RotaServer, type ServerHooks } from '@rota/server'
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

/** What the sync endpoint makes of a name: 'accepted' (its first sync message arrived) or the close code. */
const overWebSocket = (server: RotaServer, name: string): Promise<'accepted' | number> =>
  new Promise((resolve) => {
    const ws = new WebSocket(`${server.wsUrl}/${encodeURIComponent(name)}`)
    ws.on('message', () => {
      resolve('accepted')
      ws.close()
    })
    ws.on('close', (code) => resolve(code))
    ws.on('error', () => undefined)
  })

/** What the conflicts API makes of it: 'accepted' (200) or the status and code. */
const overConflictsApi = async (server: RotaServer, name: string): Promise<'accepted' | string> => {
  const res = await fetch(`${server.url}/api/docs/${encodeURIComponent(name)}/conflicts`)
  return res.status === 200 ? 'accepted' : `${res.status} ${(await res.json()).error.code}`
}

describe('document names on the conflicts API', () => {
  const names: Array<[string, string]> = [
    ['255 bytes', `acme/${'a'.repeat(250)}`],
    ['255 bytes, two-byte characters up to the limit', `acme/${'\u00e9'.repeat(125)}`],
    ['over 255 bytes in NFD, under in NFC (read in NFC by both)', `acme/${'e\u0301'.repeat(100)}`],
    ['256 bytes', `acme/${'a'.repeat(251)}`],
    ['256 bytes, a two-byte character across the limit', `acme/${'a'.repeat(249)}\u00e9`],
    ['400 bytes (the resolver took up to 512 before)', `acme/${'a'.repeat(395)}`],
    ['a .. segment', 'acme/../beta'],
    ['an empty segment', 'acme//w1'],
    ['a backslash', 'acme\\w1'],
    ['a C1 control', 'acme/w\u00851'],
  ]

  it.each(names)('accepts and refuses exactly what the sync endpoint does: %s', async (_what, name) => {
    const { server } = await start()
    const sync = await overWebSocket(server, name)
    const conflicts = await overConflictsApi(server, name)
    if (sync === 'accepted') expect(conflicts).toBe('accepted')
    else {
      expect(sync).toBe(CloseCode.BadDocumentName)
      expect(conflicts).toBe(`400 ${ServerErrorCode.BadDocName}`)
    }
    // Each name of the table is on the side it is meant to be.
    expect(sync === 'accepted').toBe(Buffer.byteLength(name.normalize('NFC')) <= 255 && !/\.\.|\/\/|\\|\u0085/.test(name))
  })

  it('follows the server\'s configured limit, not a limit of its own', async () => {
    server = await startServer({ log: createMemoryLog(), logger: false, limits: { maxDocNameLength: 40 }, extensions: [resolverExtension()] })
    const fits = `acme/${'a'.repeat(35)}`
    const over = `acme/${'a'.repeat(36)}`
    expect([await overWebSocket(server, fits), await overConflictsApi(server, fits)]).toEqual(['accepted', 'accepted'])
    expect([await overWebSocket(server, over), await overConflictsApi(server, over)]).toEqual([CloseCode.BadDocumentName, `400 ${ServerErrorCode.BadDocName}`])
  })
})

describe('who may decide conflicts', () => {
  it('is the auth hooks\' answer to canAdmin(identity, \'conflicts\'), not a role list of the resolver\'s', async () => {
    const asked: AdminAction[] = []
    // A manager whose deployment lets nobody decide conflicts, and a viewer whose deployment lets everyone.
    const hooksWith = (decides: boolean): Partial<ServerHooks> => ({
      authenticate: async (token) => ({ sub: token ?? 'x', tenant: 'acme', role: token === 'viewer' ? 'viewer' : 'manager' }),
      canAdmin: (_identity, action) => {
        asked.push(action)
        return action === 'conflicts' ? decides : false
      },
    })
    server = await startServer({ log: createMemoryLog(), logger: false, hooks: hooksWith(false), extensions: [resolverExtension()] })
    const refused = await fetch(`${server.url}${conflictRoute}/dismiss`, { method: 'POST', headers: { authorization: 'Bearer manager' } })
    expect(refused.status).toBe(403)
    expect((await refused.json()).error).toMatchObject({ code: 'ROTA_RESOLVER_FORBIDDEN', details: { role: 'manager' } })
    expect(asked).toEqual(['conflicts'])
    await server.close()

    server = await startServer({ log: createMemoryLog(), logger: false, hooks: hooksWith(true), extensions: [resolverExtension()] })
    // Allowed to decide: the request reaches the resolver, which knows no such conflict.
    const unknown = await fetch(`${server.url}${conflictRoute}/dismiss`, { method: 'POST', headers: { authorization: 'Bearer viewer' } })
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.code).toBe('ROTA_RESOLVER_UNKNOWN_CONFLICT')
  })
})
