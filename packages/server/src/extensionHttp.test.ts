import { describe, expect, it } from 'vitest'
import { AuthError, AuthErrorCode } from '@rota/auth'
import { errorClass } from '@rota/errors'
import { ServerErrorCode } from './errors.ts'
import { docParams } from './httpShapes.ts'
import { cleanupAfterEach, startTestServer } from './testing.ts'
import type { Extension, Identity } from './types.ts'

const { cleanup } = cleanupAfterEach()

class DemoError extends errorClass<'ROTA_DEMO_TEAPOT'>('DemoError', { ROTA_DEMO_TEAPOT: 418 }) {}
const isDemoError = (err: unknown): err is DemoError => err instanceof DemoError

/** An extension that uses nothing but the kit: who is calling, which document, and what went wrong. */
const demo: Extension = async (app, { http }) => {
  http.authenticate(app)
  http.handleErrors(app, { isOwn: isDemoError, badInput: 'ROTA_DEMO_BAD_INPUT' })
  app.get('/api/docs/:doc/demo', { schema: { params: docParams } }, async (request) => ({ doc: http.readableDoc(request), who: request.identity.sub }))
  app.post('/api/demo', { schema: { body: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } }, async (request) => {
    const { n } = request.body as { n: number }
    if (n === 418) throw new DemoError('ROTA_DEMO_TEAPOT', 'a teapot', { n })
    if (n === 403) throw new AuthError(AuthErrorCode.Forbidden, 'not yours', { n })
    if (n === 500) throw new Error('boom')
    return { n }
  })
}

const identityOf = async (token: string | undefined): Promise<Identity> => {
  if (token === undefined) throw new AuthError(AuthErrorCode.Missing, 'a token is required', { secret: 'never sent' })
  return { sub: token, tenant: 'acme', role: 'manager' }
}

const start = async (maxDocNameLength?: number) => {
  const server = await startTestServer({
    hooks: { authenticate: identityOf, canRead: (identity, doc) => doc.startsWith(`${identity.tenant}/`) },
    extensions: [demo],
    ...(maxDocNameLength === undefined ? {} : { limits: { maxDocNameLength } }),
  })
  cleanup.push(() => server.close())
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: 'Bearer ana', 'content-type': 'application/json', ...init.headers } })
    return { status: res.status, body: await res.json() }
  }
  return { server, call }
}

describe('ExtensionContext.http', () => {
  it('puts the identity on the request and reads :doc as the server does (NFC, the configured limit)', async () => {
    const { call } = await start(20)
    expect(await call(`/api/docs/${encodeURIComponent('acme/cafe\u0301')}/demo`)).toEqual({ status: 200, body: { doc: 'acme/caf\u00e9', who: 'ana' } })
    const long = await call(`/api/docs/${encodeURIComponent(`acme/${'a'.repeat(16)}`)}/demo`)
    expect(long.status).toBe(400)
    expect(long.body.error).toMatchObject({ code: ServerErrorCode.BadDocName, details: { reason: 'is longer than 20 bytes' } })
    expect((await call(`/api/docs/${encodeURIComponent(`acme/${'a'.repeat(15)}`)}/demo`)).status).toBe(200)
    const other = await call(`/api/docs/${encodeURIComponent('beta/w1')}/demo`)
    expect(other).toMatchObject({ status: 403, body: { error: { code: ServerErrorCode.Forbidden, details: { doc: 'beta/w1' } } } })
  })

  it('answers each kind of error in the server\'s shape', async () => {
    const { call } = await start()
    const post = (body: string, headers: Record<string, string> = {}) => call('/api/demo', { method: 'POST', body, headers })
    expect(await post('{"n":418}')).toEqual({ status: 418, body: { error: { code: 'ROTA_DEMO_TEAPOT', message: 'a teapot', details: { n: 418 } } } })
    expect(await post('{"n":"x"}')).toMatchObject({ status: 400, body: { error: { code: 'ROTA_DEMO_BAD_INPUT', details: { validation: expect.any(Array) } } } })
    expect(await post('{not json')).toMatchObject({ status: 400, body: { error: { code: 'ROTA_DEMO_BAD_INPUT', details: { fastify: expect.any(String) } } } })
    // Another package's 4xx keeps its status and code.
    expect(await post('{"n":403}')).toMatchObject({ status: 403, body: { error: { code: AuthErrorCode.Forbidden, details: { n: 403 } } } })
    expect(await post('{"n":500}')).toEqual({ status: 500, body: { error: { code: ServerErrorCode.Internal, message: 'internal error', details: {} } } })
    // Auth errors: the server's 401, without the error's details.
    const anonymous = await fetch(`${(await start()).server.url}/api/demo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' })
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toEqual({ error: { code: AuthErrorCode.Missing, message: 'a token is required', details: {} } })
  })
})
