import { describe, expect, it } from 'vitest'
import { CloseCode } from '@rota/protocol'
import { captureLog } from './logCapture.ts'
import { redactTokens } from './logging.ts'
import { rawExchange, upgradeRequest } from './rawTcp.ts'
import { cleanupAfterEach, connectRaw, startTestServer } from './testing.ts'
import type { Identity, ServerHooks } from './types.ts'

const { track } = cleanupAfterEach()

const GOOD = 'good-token-4f1d7a'
const hooks: Partial<ServerHooks> = {
  async authenticate(token) {
    if (token !== GOOD) throw Object.assign(new Error('invalid token'), { code: 'ROTA_AUTH_INVALID' })
    return { sub: 'ana', tenant: 'acme', role: 'admin' } satisfies Identity
  },
  canRead: (identity, doc) => doc.startsWith(`${identity.tenant}/`),
}

describe('tokens never reach the logs', () => {
  it('redactTokens blanks query tokens, encoded ones and bearer credentials', () => {
    expect(redactTokens('/a/b?ack=1&token=abc.def&x=1')).toBe('/a/b?ack=1&token=[REDACTED]&x=1')
    expect(redactTokens("'/a/%ZZ?token=abc' is not a valid url component")).toBe("'/a/%ZZ?token=[REDACTED]' is not a valid url component")
    expect(redactTokens('/login?next=%2Fa%3Ftoken%3Dabc%26x%3D1')).toBe('/login?next=%2Fa%3Ftoken%3D[REDACTED]%26x%3D1')
    expect(redactTokens('authorization: Bearer eyJhbGciOi.x.y')).toBe('authorization: Bearer [REDACTED]')
    expect(redactTokens('GET /cal/Qm9vX2Zvby1iYXJfYmF6LXF1eC1zZWNyZXQtdG9rZW4tMDE.ics')).toBe('GET /cal/[REDACTED].ics')
  })

  it('after every kind of refused request, at trace level', { timeout: 60_000 }, async () => {
    const log = captureLog()
    const server = track(await startTestServer({ hooks, logger: { level: 'trace', stream: log.stream } }))
    const secret = (kind: string) => `secret-${kind}-93c2e1`
    const ws = server.wsUrl.replace('ws://', '')

    // WebSocket: a path with no WebSocket handler, a bad token, a forbidden document, a malformed URL.
    await (await connectRaw(server, `api/docs?token=${GOOD}`)).closed
    await rawExchange(server, upgradeRequest(`/api/docs?token=${secret('no-handler')}`), 2000)
    expect((await (await connectRaw(server, `acme/w1?token=${secret('bad-token')}`)).closed).code).toBe(CloseCode.Unauthorized)
    expect((await (await connectRaw(server, `other/w1?token=${GOOD}`)).closed).code).toBe(CloseCode.Forbidden)
    await rawExchange(server, upgradeRequest(`/acme/%ZZ?token=${secret('bad-url-ws')}`), 2000)
    // HTTP: a malformed URL, REST with a bad token in the query and in the header, no such route, a broken request.
    await fetch(`${server.url}/api/docs/acme%2F%ZZ?token=${secret('bad-url-http')}`)
    await fetch(`${server.url}/api/docs/acme%2Fw1?token=${secret('rest-query')}`)
    await fetch(`${server.url}/api/docs/acme%2Fw1`, { headers: { authorization: `Bearer ${secret('rest-header')}` } })
    await fetch(`${server.url}/nope/at/all?token=${secret('not-found')}`, { method: 'DELETE' })
    await rawExchange(server, `GET /x?token=${secret('broken-http')} HTTP/1.1\r\nHost: ${ws}\r\nBroken header\r\n\r\n`, 2000)
    await server.close()

    const text = log.text()
    // Something was logged about these requests, with the token blanked.
    expect(text).toContain('[REDACTED]')
    for (const kind of ['no-handler', 'bad-token', 'bad-url-ws', 'bad-url-http', 'rest-query', 'rest-header', 'not-found', 'broken-http']) {
      expect(text, kind).not.toContain(secret(kind))
    }
    expect(text).not.toContain(GOOD)
  })
})
