import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isValidDocName } from '@rota/auth'
import { CloseCode } from '@rota/protocol'
import { parseDocName } from './docName.ts'
import { ServerErrorCode } from './errors.ts'
import { cleanupAfterEach, connectClient, connectRaw, startTestServer, whenSynced } from './testing.ts'
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

  it('reads a name in NFC: the NFD spelling of a name is the same document', () => {
    expect(parseDocName('acme/cafe\u0301', 255)).toBe('acme/caf\u00e9')
    expect(parseDocName('acme/caf\u00e9', 255)).toBe('acme/caf\u00e9')
  })

  it('opens one document over REST and WebSocket whichever normal form the name comes in', { timeout: 60_000 }, async () => {
    const server: RotaServer = await startTestServer()
    cleanup.push(() => server.close())
    const nfc = 'acme/caf\u00e9'
    const nfd = 'acme/cafe\u0301'
    const ops = [{ op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } }]
    const res = await fetch(`${server.url}/api/docs/${encodeURIComponent(nfc)}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ops }),
    })
    expect(res.status).toBe(200)
    // Before: 404, a second document.
    const read = await fetch(`${server.url}/api/docs/${encodeURIComponent(nfd)}`)
    expect(read.status).toBe(200)
    expect((await read.json()).doc).toBe(nfc)
    const listed = await (await fetch(`${server.url}/api/docs?prefix=${encodeURIComponent('acme/cafe\u0301')}`)).json()
    expect(listed.docs.map((d: { doc: string }) => d.doc)).toEqual([nfc])
    const client = connectClient(server, nfd)
    cleanup.push(() => client.destroy())
    await whenSynced(client)
    expect((client.doc.getMap('staff').get('ana') as { get(key: string): unknown }).get('name')).toBe('Ana')
    expect(server.rooms.openDocs()).toEqual([nfc])
  })

  it('closes with 4400 for names in bad percent-encoding, with lone surrogates or overlong, and answers REST in the error shape', { timeout: 60_000 }, async () => {
    const server: RotaServer = await startTestServer()
    cleanup.push(() => server.close())
    // Before: a bare HTTP 400 (and a socket that kept the server from shutting down).
    for (const path of ['acme/%ZZ', 'acme/%E9', 'acme/%ED%A0%80x', `acme/${'a'.repeat(300)}`, `acme/${'%C3%A9'.repeat(200)}`]) {
      const raw = await connectRaw(server, `${path}?token=x`)
      expect((await raw.closed).code, path).toBe(CloseCode.BadDocumentName)
    }
    for (const path of ['acme%2F%ZZ', 'acme%2F%ED%A0%80', `acme%2F${'a'.repeat(1000)}`]) {
      const res = await fetch(`${server.url}/api/docs/${path}`)
      expect(res.status, path).toBe(400)
      expect((await res.json()).error.code, path).toBe(ServerErrorCode.BadDocName)
    }
  })
})
