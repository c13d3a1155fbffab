import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createMemoryLog } from '@rota/log'
import { ServerErrorCode } from './errors.ts'
import { assertV1Update } from './updateFormat.ts'
import { parseVersionRef } from './version.ts'
import { cleanupAfterEach, startTestServer } from './testing.ts'
import type { RotaServer } from './types.ts'

const { track } = cleanupAfterEach()

const DOC = 'acme/strict'
const docUrl = (server: RotaServer, suffix = '') => `${server.url}/api/docs/${encodeURIComponent(DOC)}${suffix}`

const seed = async (server: RotaServer) => {
  const res = await fetch(docUrl(server), {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ops: [{ op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } }] }),
  })
  expect(res.status).toBe(200)
}

const postUpdate = (server: RotaServer, bytes: Uint8Array) =>
  // (fetch types want an ArrayBuffer-backed view.)
  fetch(docUrl(server, '/update'), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(bytes) })

const refusedAt = ['-1', ' 1', '1 ', '1.5', '+1', '007', '1e3', '0x10', 'March 7', '12/31/2026', 'Tue, 01 Dec 2026 10:00:00 GMT', 'yesterday',
  '2026-02-30', '2026-13-01', '2026-11-25T25:00Z', '2026-11-25T10:00:00', '2026-11-25 10:00:00Z', '2026-11-25T10:00:00+25:00', '']
const acceptedAt = ['0', '1', '12', '2026-11-25', '2026-11-25T10:00Z', '2026-11-25T10:00:00Z', '2026-11-25T10:00:00.123Z', '2026-11-25T11:00:00+01:00']

describe('strict inputs', () => {
  it.each(refusedAt)('`at` %j is neither a seq nor an ISO-8601 time', (at) => {
    expect(() => parseVersionRef(at)).toThrow(expect.objectContaining({ code: ServerErrorCode.BadVersion }))
  })

  it.each(acceptedAt)('`at` %j is read', (at) => {
    expect(parseVersionRef(at)).toEqual(/^\d+$/.test(at) ? { seq: Number(at) } : { time: Date.parse(at) })
  })

  it('answers 400 ROTA_ERR_BAD_VERSION to every loose `?at=` over REST', { timeout: 60_000 }, async () => {
    const server = track(await startTestServer())
    await seed(server)
    for (const at of refusedAt) {
      const res = await fetch(docUrl(server, `?at=${encodeURIComponent(at)}`))
      // `?at=` with nothing is the same as no `at`: the document now.
      if (at === '') continue
      expect(res.status, at).toBe(400)
      expect((await res.json()).error, at).toMatchObject({ code: ServerErrorCode.BadVersion, details: { at } })
    }
    // (`12` is after the head: refused for that reason, tested in rest.test.ts.)
    for (const at of acceptedAt.filter((a) => a !== '12')) {
      expect((await fetch(docUrl(server, `?at=${encodeURIComponent(at)}`))).status, at).toBe(200)
    }
  })

  it('tells v1 updates from v2 ones', () => {
    const doc = new Y.Doc()
    doc.getMap('m').set('k', 1)
    expect(() => assertV1Update(Y.encodeStateAsUpdate(doc))).not.toThrow()
    expect(() => assertV1Update(Y.encodeStateAsUpdate(new Y.Doc()))).not.toThrow()
    const before = Y.encodeStateVector(doc)
    doc.getMap('m').delete('k')
    // Deletions only: a v1 update that starts with zero like every v2 one.
    expect(() => assertV1Update(Y.encodeStateAsUpdate(doc, before))).not.toThrow()
    for (const v2 of [Y.encodeStateAsUpdateV2(doc), Y.encodeStateAsUpdateV2(new Y.Doc()), Y.encodeStateAsUpdateV2(doc, before)]) {
      expect(() => assertV1Update(v2)).toThrow(expect.objectContaining({ code: ServerErrorCode.BadUpdate }))
    }
  })

  it('refuses a Yjs v2 update on POST /update with 400 and stores nothing', { timeout: 60_000 }, async () => {
    const log = createMemoryLog()
    const server = track(await startTestServer({ log }))
    await seed(server)
    const current = new Uint8Array(await (await fetch(docUrl(server, '/update'))).arrayBuffer())
    const replica = new Y.Doc()
    Y.applyUpdate(replica, current)
    // Before: 200 with `changed: false`, the edit silently dropped.
    const res = await postUpdate(server, Y.encodeStateAsUpdateV2(replica))
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error).toMatchObject({ code: ServerErrorCode.BadUpdate, message: expect.stringMatching(/not a Yjs v1 update/) })
    expect(body.error.details).toBeTypeOf('object')
    expect((await log.head(DOC))?.headSeq).toBe(1)
    // The same state as v1 is accepted.
    expect((await postUpdate(server, current)).status).toBe(200)
  })
})
