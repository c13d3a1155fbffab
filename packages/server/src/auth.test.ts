import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createMemoryLog } from '@rota/log'
import { CloseCode } from '@rota/protocol'
import { updateMessage } from './messages.ts'
import { cleanupAfterEach, connectRaw, startTestServer, waitFor } from './testing.ts'
import type { Identity, RotaServer, ServerHooks } from './types.ts'

const { cleanup } = cleanupAfterEach()

/** Structural hooks as @rota/auth provides them: token "<role>@<tenant>". */
const hooks: Partial<ServerHooks> = {
  async authenticate(token) {
    if (token === undefined) throw Object.assign(new Error('a token is required'), { code: 'ROTA_AUTH_MISSING' })
    const [role, tenant] = token.split('@')
    if (tenant === undefined) throw Object.assign(new Error('bad token'), { code: 'ROTA_AUTH_INVALID' })
    return { sub: `${role}-user`, tenant, role: role as Identity['role'] }
  },
  canRead: (identity, doc) => doc.startsWith(`${identity.tenant}/`),
  listPrefix: (identity) => `${identity.tenant}/`,
  authorizeChanges: (identity, _facts, changes) =>
    changes.map(() => (identity.role === 'viewer' ? { ok: false, reason: 'viewers cannot edit' } : { ok: true })),
  authorizeOps: (identity) => (identity.role === 'viewer' ? { ok: false, reason: 'viewers cannot edit' } : { ok: true }),
  canAdmin: (identity) => identity.role === 'admin',
}

const start = async () => {
  const log = createMemoryLog()
  const server = await startTestServer({ log, hooks })
  cleanup.push(() => server.close())
  return { log, server }
}

const open = async (server: RotaServer, path: string) => {
  const raw = await connectRaw(server, path)
  cleanup.push(() => raw.ws.close())
  return raw
}

describe('auth hooks', () => {
  it('close with 4401 without a valid token and 4403 outside the tenant', async () => {
    const { server } = await start()
    expect((await (await open(server, 'acme/w1')).closed).code).toBe(CloseCode.Unauthorized)
    expect((await (await open(server, 'acme/w1?token=garbage')).closed).code).toBe(CloseCode.Unauthorized)
    expect(await (await open(server, 'other/w1?token=staff@acme')).closed).toEqual({
      code: CloseCode.Forbidden,
      reason: 'not allowed to open this document',
    })
  })

  it('refuse a viewer’s update with permission-denied, keep the connection, store nothing', async () => {
    const { server, log } = await start()
    const viewer = await open(server, 'acme/w1?token=viewer@acme')
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'nope')
    viewer.send(updateMessage(Y.encodeStateAsUpdate(doc)))
    const denied = await viewer.next((m) => m[0] === 2)
    expect(denied[1]).toBe(0) // y-protocols auth: permission denied
    expect(await log.head('acme/w1')).toBeUndefined()
    viewer.send([3])
    await viewer.next((m) => m[0] === 1) // still open

    const staff = await open(server, 'acme/w1?token=staff@acme')
    staff.send(updateMessage(Y.encodeStateAsUpdate(doc)))
    await waitFor(async () => (await log.head('acme/w1'))?.headSeq === 1)
    const [entry] = await (async () => {
      const all = []
      for await (const e of log.read('acme/w1')) all.push(e)
      return all
    })()
    expect(entry!.meta).toMatchObject({ actor: 'staff-user', role: 'staff', origin: 'ws' })
  })

  it('guard the REST API the same way', async () => {
    const { server } = await start()
    const call = (path: string, token?: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      })
    const ops = JSON.stringify({ ops: [{ op: 'set', path: 'settings.name', value: 'Ward' }] })
    const noToken = await call('/api/docs')
    expect([noToken.status, (await noToken.json()).error.code]).toEqual([401, 'ROTA_AUTH_MISSING'])
    const viewer = await call('/api/docs/acme%2Fw1', 'viewer@acme', { method: 'PATCH', body: ops })
    expect([viewer.status, (await viewer.json()).error.code]).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    expect((await call('/api/docs/acme%2Fw1', 'manager@acme', { method: 'PATCH', body: ops })).status).toBe(200)
    expect((await call('/api/docs/other%2Fw1', 'manager@other', { method: 'PATCH', body: ops })).status).toBe(200)
    const restore = await call('/api/docs/acme%2Fw1/restore', 'manager@acme', { method: 'POST', body: '{"seq":0}' })
    expect(restore.status).toBe(403)
    const foreign = await call('/api/docs/other%2Fw1', 'manager@acme')
    expect(foreign.status).toBe(403)
    const listed = await (await call('/api/docs', 'viewer@acme')).json()
    expect(listed.docs.map((d: { doc: string }) => d.doc)).toEqual(['acme/w1'])
    const admin = await call('/api/docs/acme%2Fw1/restore', 'admin@acme', { method: 'POST', body: '{"seq":0}' })
    expect(await admin.json()).toEqual({ seq: 2, changed: true })
  })
})

describe('REST PATCH authorisation', () => {
  it('is decided inside the write’s transaction, on the document the ops change', async () => {
    const seen: Array<{ inTransaction: boolean; doc: Y.Doc }> = []
    const server = await startTestServer({
      hooks: {
        ...hooks,
        authorizeOps: (identity, ydoc) => {
          seen.push({ inTransaction: ydoc._transaction !== null, doc: ydoc })
          return identity.role === 'viewer' ? { ok: false, reason: 'viewers cannot edit' } : { ok: true }
        },
      },
    })
    cleanup.push(() => server.close())
    const patch = (token: string) =>
      fetch(`${server.url}/api/docs/${encodeURIComponent('acme/w1')}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ ops: [{ op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } }] }),
      })
    expect((await patch('manager@acme')).status).toBe(200)
    const refused = await patch('viewer@acme')
    expect(refused.status).toBe(403)
    expect((await refused.json()).error.code).toBe('ROTA_ERR_FORBIDDEN')
    const ydoc = await server.rooms.getDoc('acme/w1')
    expect(seen).toEqual([
      { inTransaction: true, doc: ydoc },
      { inTransaction: true, doc: ydoc },
    ])
    expect((ydoc.getMap('staff').toJSON() as Record<string, unknown>).ana).toMatchObject({ name: 'Ana' })
  })
})
