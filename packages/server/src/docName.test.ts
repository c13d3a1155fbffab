import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isValidDocName } from '@rota/auth'
import { CloseCode } from '@rota/protocol'
import { parseDocName } from './docName.ts'
import { ServerErrorCode } from './errors.ts'
import { cleanupAfterEach, connectRaw, startTestServer } from './testing.ts'
import type { RotaServer } from './types.ts'

const { cleanup } = cleanupAfterEach()

const refused = ['a\\b', 'acme\\..\\x', 'a\u0085b', 'a\u009fb', 'a\ud800b', '/a', 'a/', 'a//b', '../x', 'a\u0000b']

describe('document names', () => {
  it.each(refused)('refuses %j with ROTA_ERR_BAD_DOC_NAME', (name) => {
    expect(() => parseDocName(name, 255)).toThrow(expect.objectContaining({ code: ServerErrorCode.BadDocName }))
  })

  it('follows @rota/auth’s rules exactly (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (name) => {
        let accepted = true
        try {
          parseDocName(name, 255)
        } catch {
          accepted = false
        }
        expect(accepted).toBe(isValidDocName(name))
      }),
      { numRuns: 2000 },
    )
  })

  it('closes with 4400 over WebSocket and answers 400 over REST for a backslash or a C1 control', async () => {
    const server: RotaServer = await startTestServer()
    cleanup.push(() => server.close())
    for (const name of ['acme\\w1', 'acme/w\u00851']) {
      const raw = await connectRaw(server, encodeURIComponent(name))
      expect((await raw.closed).code).toBe(CloseCode.BadDocumentName)
      const res = await fetch(`${server.url}/api/docs/${encodeURIComponent(name)}`)
      expect(res.status).toBe(400)
      expect((await res.json()).error.code).toBe(ServerErrorCode.BadDocName)
    }
  })
})
