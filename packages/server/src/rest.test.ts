import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createMemoryLog } from '@rota/log'
import { toJSON } from '@rota/model'
import { cleanupAfterEach, connectClient, readAll, startTestServer, waitFor, whenSynced, type TestClient } from './testing.ts'
import type { RotaServer } from './types.ts'

const { track } = cleanupAfterEach()

const DOC = 'acme/2026-w48'
const docUrl = (server: RotaServer, suffix = '') => `${server.url}/api/docs/${encodeURIComponent(DOC)}${suffix}`

const patch = (server: RotaServer, ops: unknown) =>
  fetch(docUrl(server), { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ops }) })

const seedOps = [
  { op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } },
  { op: 'set', path: 'staff.bo', value: { name: 'Bo', role: 'nurse' } },
  { op: 'set', path: 'shifts.s1', value: { date: '2026-11-30', start: '09:00', end: '17:00', role: 'nurse' } },
]

const assigneeOf = (client: TestClient) => (client.doc.getMap('shifts').get('s1') as Y.Map<unknown> | undefined)?.get('assignee')

describe('REST API', () => {
  it('PATCH is answered once durable and seen live by WebSocket editors', async () => {
    const log = createMemoryLog()
    const server = track(await startTestServer({ log }))
    const editor = track(connectClient(server, DOC))
    await whenSynced(editor)
    const res = await patch(server, seedOps)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ seq: 1, changed: true })
    expect((await log.head(DOC))?.headSeq).toBe(1)
    expect((await readAll(log, DOC))[0]!.meta).toMatchObject({ origin: 'rest', actor: 'anonymous', role: 'admin' })
    await waitFor(() => assigneeOf(editor) === null)

    const second = await patch(server, [{ op: 'set', path: 'shifts.s1.assignee', value: 'ana' }])
    expect(await second.json()).toEqual({ seq: 2, changed: true })
    await waitFor(() => assigneeOf(editor) === 'ana')

    const got = await (await fetch(docUrl(server))).json()
    expect(got.seq).toBe(2)
    expect(got.schedule.shifts.s1.assignee).toBe('ana')
    const listed = await (await fetch(`${server.url}/api/docs?prefix=acme/`)).json()
    expect(listed.docs).toEqual([{ doc: DOC, headSeq: 2, lastChange: expect.any(String) }])
  })

  it('GET answers a seq and a schedule of one state, while an edit applied in memory is still being stored', async () => {
    const shared = createMemoryLog()
    // Appends wait for the test: an edit is applied and relayed, but not yet stored.
    let release: (() => void) | undefined
    let holding = false
    let headAsked = false
    const log = Object.create(shared, {
      head: {
        value: (doc: string) => {
          if (release !== undefined) headAsked = true
          return shared.head(doc)
        },
      },
      append: {
        value: async (...args: Parameters<typeof shared.append>) => {
          if (holding) await new Promise<void>((resolve) => (release = resolve))
          holding = false
          return shared.append(...args)
        },
      },
    }) as typeof shared
    const server = track(await startTestServer({ log }))
    expect((await patch(server, seedOps)).status).toBe(200)
    const editor = track(connectClient(server, DOC))
    await whenSynced(editor)
    holding = true
    editor.doc.transact(() => (editor.doc.getMap('shifts').get('s1') as Y.Map<unknown>).set('assignee', 'ben'))
    await waitFor(async () => (await server.rooms.getDoc(DOC)).getMap('shifts').toJSON().s1?.assignee === 'ben', 30_000, 'the edit in memory')
    await waitFor(() => release !== undefined, 30_000, 'the append held')
    const answer = fetch(docUrl(server)).then((res) => res.json() as Promise<{ seq: number; schedule: { shifts: Record<string, { assignee: string | null }> } }>)
    // Released only once the GET has read the log's head (still 1): the answer must not pair it with Ben.
    await waitFor(() => headAsked, 30_000, 'the GET reading the head while the append is held')
    release?.()
    const { seq, schedule } = await answer
    expect(seq).toBe(2)
    expect(schedule.shifts.s1?.assignee).toBe('ben')
    expect((await shared.head(DOC))?.headSeq).toBe(2)
  })

  it('?at= returns past versions by sequence number and by time', async () => {
    const server = track(await startTestServer())
    await patch(server, seedOps)
    await patch(server, [{ op: 'set', path: 'shifts.s1.assignee', value: 'ana' }])
    const history = await (await fetch(docUrl(server, '/history'))).json()
    const firstTime = history.entries[1].time as string
    await patch(server, [{ op: 'set', path: 'shifts.s1.assignee', value: 'bo' }])

    const at1 = await (await fetch(docUrl(server, '?at=1'))).json()
    expect(at1).toMatchObject({ seq: 1, schedule: { shifts: { s1: { assignee: null } } } })
    const at2 = await (await fetch(docUrl(server, '?at=2'))).json()
    expect(at2.schedule.shifts.s1.assignee).toBe('ana')
    const byTime = await (await fetch(docUrl(server, `?at=${encodeURIComponent(firstTime)}`))).json()
    expect(byTime.seq).toBeGreaterThanOrEqual(1)
    expect(byTime.seq).toBeLessThanOrEqual(2)
    const now = await (await fetch(docUrl(server))).json()
    expect(now.schedule.shifts.s1.assignee).toBe('bo')

    const early = await fetch(docUrl(server, '?at=99'))
    expect(early.status).toBe(400)
    expect((await early.json()).error.code).toBe('ROTA_ERR_BAD_VERSION')
    expect((await (await fetch(docUrl(server, '?at=yesterday'))).json()).error.code).toBe('ROTA_ERR_BAD_VERSION')
  })

  it('history lists entries newest first with metadata and pages with `before`', async () => {
    const server = track(await startTestServer())
    await patch(server, seedOps)
    await patch(server, [{ op: 'set', path: 'shifts.s1.assignee', value: 'ana' }])
    await patch(server, [{ op: 'set', path: 'shifts.s1.notes', value: 'bring keys' }])
    const page = await (await fetch(docUrl(server, '/history?limit=2'))).json()
    expect(page.entries.map((e: { seq: number }) => e.seq)).toEqual([3, 2])
    expect(page.entries[0]).toMatchObject({ actor: 'anonymous', role: 'admin', origin: 'rest', bytes: expect.any(Number) })
    expect(page.entries[0].changes).toEqual([{ path: 'shifts.s1.notes', kind: 'set', value: 'bring keys', previous: '' }])
    expect(page.entries[1].changes).toEqual([{ path: 'shifts.s1.assignee', kind: 'set', value: 'ana', previous: null }])
    expect(page.next).toBe(2)
    const rest = await (await fetch(docUrl(server, `/history?limit=2&before=${page.next}`))).json()
    expect(rest.entries.map((e: { seq: number }) => e.seq)).toEqual([1])
    expect(rest.next).toBe(null)
  })

  it('restore appends a forward entry that editors see live, and can itself be undone', async () => {
    const log = createMemoryLog()
    const server = track(await startTestServer({ log }))
    await patch(server, seedOps)
    await patch(server, [{ op: 'set', path: 'shifts.s1.assignee', value: 'ana' }])
    await patch(server, [
      { op: 'delete', path: 'staff.bo' },
      { op: 'set', path: 'shifts.s2', value: { date: '2026-12-01', start: '22:00', end: '06:00', role: 'nurse' } },
    ])
    const editor = track(connectClient(server, DOC))
    await whenSynced(editor)

    const res = await fetch(docUrl(server, '/restore'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seq: 1 }),
    })
    expect(await res.json()).toEqual({ seq: 4, changed: true })
    const at1 = (await (await fetch(docUrl(server, '?at=1'))).json()).schedule
    await waitFor(() => JSON.stringify(toJSON(editor.doc)) === JSON.stringify(at1), 30_000, 'restored state live')
    expect((await readAll(log, DOC)).map((e) => e.meta.origin)).toEqual(['rest', 'rest', 'rest', 'restore'])

    // Restoring seq 3 brings back the state before the restore.
    const at3 = (await (await fetch(docUrl(server, '?at=3'))).json()).schedule
    await fetch(docUrl(server, '/restore'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seq: 3 }),
    })
    expect((await (await fetch(docUrl(server))).json()).schedule).toEqual(at3)
  })

  it('bad bodies get the error shape and change nothing', async () => {
    const log = createMemoryLog()
    const server = track(await startTestServer({ log }))
    await patch(server, seedOps)
    const before = await log.stateAt(DOC)

    const cases: Array<[RequestInit & { path?: string }, number, string]> = [
      [{ method: 'PATCH', body: JSON.stringify({ ops: [{ op: 'set', path: 'shifts.s1.assignee', value: 'nobody' }] }) }, 422, 'ROTA_ERR_INVALID_OPS'],
      [{ method: 'PATCH', body: JSON.stringify({ ops: [{ op: 'explode', path: 'x' }] }) }, 400, 'ROTA_ERR_BAD_REQUEST'],
      [{ method: 'PATCH', body: JSON.stringify({ nope: 1 }) }, 400, 'ROTA_ERR_BAD_REQUEST'],
      [{ method: 'PATCH', body: '{not json' }, 400, 'ROTA_ERR_BAD_REQUEST'],
      [
        {
          method: 'PATCH',
          body: JSON.stringify({
            ops: [
              { op: 'set', path: 'shifts.s1.assignee', value: 'ana' },
              { op: 'set', path: 'shifts.s1.start', value: '25:99' },
            ],
          }),
        },
        422,
        'ROTA_ERR_INVALID_OPS',
      ],
      [{ method: 'POST', path: '/restore', body: JSON.stringify({ seq: 'one' }) }, 400, 'ROTA_ERR_BAD_REQUEST'],
      [{ method: 'POST', path: '/restore', body: JSON.stringify({ seq: 7 }) }, 400, 'ROTA_ERR_BAD_VERSION'],
    ]
    for (const [init, status, code] of cases) {
      const res = await fetch(docUrl(server, init.path ?? ''), { ...init, headers: { 'content-type': 'application/json' } })
      const body = await res.json()
      expect([res.status, body.error?.code], JSON.stringify(init)).toEqual([status, code])
      expect(typeof body.error.message).toBe('string')
      expect(body.error.details).toBeTypeOf('object')
    }
    const invalid = await (await patch(server, [{ op: 'set', path: 'shifts.s1.assignee', value: 'nobody' }])).json()
    expect(invalid.error.details).toMatchObject({ modelCode: 'ROTA_MODEL_MISSING_REFERENCE', opIndex: 0, path: 'shifts.s1.assignee' })

    const bad = await fetch(docUrl(server, '/update'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([1, 2, 3, 4, 5]),
    })
    expect([bad.status, (await bad.json()).error.code]).toEqual([400, 'ROTA_ERR_BAD_UPDATE'])
    const missing = await fetch(`${server.url}/api/docs/${encodeURIComponent('no/such')}`)
    expect([missing.status, (await missing.json()).error.code]).toEqual([404, 'ROTA_ERR_DOC_NOT_FOUND'])

    expect((await log.head(DOC))?.headSeq).toBe(1)
    expect(await log.stateAt(DOC)).toEqual(before)
    expect((await (await fetch(docUrl(server))).json()).schedule.shifts.s1.assignee).toBe(null)
  })

  it('GET and POST /update move encoded Yjs state between servers', async () => {
    const source = track(await startTestServer())
    const target = track(await startTestServer())
    await patch(source, seedOps)
    const res = await fetch(docUrl(source, '/update'))
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    const state = new Uint8Array(await res.arrayBuffer())
    const posted = await fetch(docUrl(target, '/update'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: state,
    })
    expect(await posted.json()).toEqual({ seq: 1, changed: true })
    const copy = await (await fetch(docUrl(target))).json()
    expect(copy.schedule.staff.ana.name).toBe('Ana')
  })

  it('serves the OpenAPI document', async () => {
    const server = track(await startTestServer())
    const spec = await (await fetch(`${server.url}/api/openapi.json`)).json()
    expect(spec.openapi).toBe('3.1.0')
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/docs', '/api/docs/{doc}', '/api/docs/{doc}/history', '/api/docs/{doc}/restore', '/api/docs/{doc}/update']),
    )
  })
})
