/**
 * End to end: a real server with @rota/auth hooks, stock y-websocket clients and REST calls.
 * Tenant isolation over both transports (read, list, write, awareness), read-only clients, staff
 * self-service, and the actor and role recorded with every stored entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { createMemoryLog, type UpdateLog } from '@rota/log'
import { applyOps, fromJSON, toJSON } from '@rota/model'
import { connectRaw, connectStock, mint, startAuthServer, waitFor, type AuthServer } from './testing/harness.ts'
import { envelope } from './testing/mutate.ts'
import { editOf, shiftMap, wardJSON } from './testing/schedule.ts'

let env: AuthServer
let log: UpdateLog
const token: Record<string, string> = {}

const http = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${env.server.url}${path}`, {
    ...init,
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
  })

const patch = (doc: string, who: string, ops: unknown[]) =>
  http(`/api/docs/${encodeURIComponent(doc)}`, { method: 'PATCH', token: token[who], body: JSON.stringify({ ops }) })

const entries = async (doc: string) => {
  const all = []
  for await (const entry of log.read(doc)) all.push(entry)
  return all
}

/** The y-protocols permission-denied message: [2 (auth), 0 (denied), reason]. */
const deniedReason = (message: Uint8Array): string | undefined => {
  const decoder = decoding.createDecoder(message)
  if (decoding.readVarUint(decoder) !== 2 || decoding.readVarUint(decoder) !== 0) return undefined
  return decoding.readVarString(decoder)
}

const rejectedForbidden = async (): Promise<number> => {
  const text = await (await fetch(`${env.server.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('rota_messages_rejected_total{reason="forbidden"}'))
  return line === undefined ? 0 : Number(line.split(' ').pop())
}

beforeAll(async () => {
  log = createMemoryLog()
  env = await startAuthServer({ log })
  const seed = { actor: 'seed', role: 'system', origin: 'import' as const }
  await env.server.rooms.change('acme/w48', seed, (doc) => fromJSON(wardJSON(), doc))
  await env.server.rooms.change('beta/w48', seed, (doc) => fromJSON(wardJSON(), doc))
  token.acmeManager = await mint({ sub: 'mia', tenant: 'acme', role: 'manager' })
  token.acmeViewer = await mint({ sub: 'vic', tenant: 'acme', role: 'viewer' })
  token.ana = await mint({ sub: 'ana@acme', tenant: 'acme', role: 'staff', staffId: 'ana' })
  token.betaManager = await mint({ sub: 'bob', tenant: 'beta', role: 'manager' })
  token.betaAdmin = await mint({ sub: 'boss', tenant: 'beta', role: 'admin' })
  token.expired = await mint({ sub: 'old', tenant: 'acme', role: 'admin', exp: Math.floor(Date.now() / 1000) - 3600 })
  token.forged = await mint({ sub: 'eve', tenant: 'acme', role: 'admin' }, 'not-the-server-secret-not-the-server-secret')
}, 30_000)

afterAll(async () => {
  await env?.close()
})

describe('tokens on the WebSocket', () => {
  it('missing, expired and forged tokens are closed with 4401 before any document data', async () => {
    for (const t of [undefined, token.expired, token.forged, 'garbage']) {
      const socket = await connectRaw(env.server.wsUrl, 'acme/w48', t)
      expect((await socket.closed).code).toBe(4401)
      expect(socket.messages).toEqual([])
    }
  })
})

describe('tenant isolation', () => {
  it('over WebSocket: another tenant’s document closes with 4403, no sync and no awareness', async () => {
    const acme = connectStock(env.server.wsUrl, 'acme/w48', token.acmeManager)
    await acme.synced()
    acme.provider.awareness.setLocalState({ user: { name: 'Mia' } })
    const intruder = await connectRaw(env.server.wsUrl, 'acme/w48', token.betaAdmin)
    expect((await intruder.closed).code).toBe(4403)
    expect(intruder.messages).toEqual([])
    acme.destroy()
  })

  it('over REST: another tenant’s document cannot be read, written or listed', async () => {
    expect((await http('/api/docs/beta%2Fw48', { token: token.acmeManager })).status).toBe(403)
    expect((await patch('beta/w48', 'acmeManager', [{ op: 'set', path: 'settings.name', value: 'pwned' }])).status).toBe(403)
    const body = await (await http('/api/docs/beta%2Fw48', { token: token.betaManager })).json()
    expect(JSON.stringify(body)).not.toContain('pwned')
    const listed = await (await http('/api/docs', { token: token.acmeManager })).json()
    const names = JSON.stringify(listed)
    expect(names).toContain('acme/w48')
    expect(names).not.toContain('beta/w48')
    expect((await http('/api/docs')).status).toBe(401)
    expect((await http('/api/docs', { token: token.expired })).status).toBe(401)
  })
})

describe('read-only clients', () => {
  it('a viewer syncs and sees presence, but its edits are refused, counted, and reach neither the log nor others', async () => {
    const manager = connectStock(env.server.wsUrl, 'acme/w48', token.acmeManager)
    const viewer = connectStock(env.server.wsUrl, 'acme/w48', token.acmeViewer)
    await Promise.all([manager.synced(), viewer.synced()])
    expect(toJSON(viewer.doc).shifts.open).toBeDefined()
    manager.provider.awareness.setLocalState({ user: { name: 'Mia' } })
    await waitFor(() => viewer.provider.awareness.getStates().has(manager.doc.clientID), 'the viewer to see presence')

    const before = (await entries('acme/w48')).length
    const rejected = await rejectedForbidden()
    applyOps(viewer.doc, [{ op: 'set', path: 'shifts.open.notes', value: 'viewer was here' }])
    await waitFor(async () => (await rejectedForbidden()) > rejected, 'the refusal to be counted')
    // The manager's edit after it arrives; the viewer's never does.
    applyOps(manager.doc, [{ op: 'set', path: 'shifts.bens.notes', value: 'checked' }])
    await waitFor(async () => (await entries('acme/w48')).length === before + 1, 'the manager’s edit in the log')
    await waitFor(() => toJSON(viewer.doc).shifts.bens?.notes === 'checked', 'the viewer to see the manager’s edit')
    expect(toJSON(manager.doc).shifts.open?.notes).toBe('')
    expect((await entries('acme/w48')).some((e) => e.meta.actor === 'vic')).toBe(false)
    manager.destroy()
    viewer.destroy()
  })

  it('crafted updates from a viewer get the permission-denied message and change nothing', async () => {
    const socket = await connectRaw(env.server.wsUrl, 'acme/w48', token.acmeViewer)
    const serverDoc = await env.server.rooms.getDoc('acme/w48')
    const stateBefore = Y.encodeStateAsUpdate(serverDoc)
    const crafted = editOf(serverDoc, (d) => {
      shiftMap(d, 'open').set('assignee', 'ana')
      d.getMap('settings').set('name', 'mine now')
    })
    for (const subtype of [1, 2]) socket.ws.send(envelope([0, subtype], crafted))
    await waitFor(() => socket.messages.filter((m) => deniedReason(m) !== undefined).length === 2, 'two permission-denied messages')
    expect(socket.isClosed()).toBe(false)
    expect(Y.encodeStateAsUpdate(serverDoc)).toEqual(stateBefore)
    socket.ws.close()
  })
})

describe('staff self-service end to end', () => {
  it('over WebSocket: picking up an open shift with a note is stored under the staff member’s name and role', async () => {
    const ana = connectStock(env.server.wsUrl, 'acme/w48', token.ana)
    const watcher = connectStock(env.server.wsUrl, 'acme/w48', token.acmeViewer)
    await Promise.all([ana.synced(), watcher.synced()])
    const denials: Uint8Array[] = []
    ana.provider.ws?.addEventListener('message', (event: MessageEvent) => {
      const bytes = new Uint8Array(event.data as ArrayBuffer)
      if (deniedReason(bytes) !== undefined) denials.push(bytes)
    })
    applyOps(ana.doc, [
      { op: 'set', path: 'shifts.open.assignee', value: 'ana' },
      { op: 'set', path: 'shifts.open.notes', value: 'mine' },
    ])
    await waitFor(() => toJSON(watcher.doc).shifts.open?.assignee === 'ana', 'the pick-up to reach others')
    const stored = (await entries('acme/w48')).at(-1)!
    expect(stored.meta).toMatchObject({ actor: 'ana@acme', role: 'staff', origin: 'ws' })

    applyOps(ana.doc, [{ op: 'set', path: 'shifts.bens.assignee', value: 'ana' }])
    await waitFor(() => denials.length === 1, 'the permission-denied message')
    // The refused change is taken out: the entry keeps Ana's structs and puts Ben back, for everyone.
    const takenOut = (await entries('acme/w48')).at(-1)!
    expect(takenOut.seq).toBe(stored.seq + 1)
    expect(takenOut.meta.details).toMatchObject({ refused: [{ path: 'shifts.bens.assignee' }] })
    await waitFor(() => toJSON(ana.doc).shifts.bens?.assignee === 'ben', 'Ana’s document to show the server’s value again')
    expect(toJSON(watcher.doc).shifts.bens?.assignee).toBe('ben')
    // Nothing is stranded: her next edit is accepted like any other.
    applyOps(ana.doc, [{ op: 'set', path: 'shifts.open.notes', value: 'still mine' }])
    await waitFor(() => toJSON(watcher.doc).shifts.open?.notes === 'still mine', 'the next edit to arrive')
    expect(denials.length).toBe(1)
    ana.destroy()
    watcher.destroy()
  })

  it('over REST: own time off is accepted, someone else’s shift is 403 and unchanged', async () => {
    const ok = await patch('acme/w48', 'ana', [{ op: 'append', path: 'staff.ana.unavailable', value: '2026-12-31' }])
    expect(ok.status).toBe(200)
    expect((await entries('acme/w48')).at(-1)!.meta).toMatchObject({ actor: 'ana@acme', role: 'staff', origin: 'rest' })
    const refused = await patch('acme/w48', 'ana', [{ op: 'set', path: 'shifts.bens.assignee', value: null }])
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ROTA_ERR_FORBIDDEN')
    expect(toJSON(await env.server.rooms.getDoc('acme/w48')).shifts.bens?.assignee).toBe('ben')
    const viewerWrite = await patch('acme/w48', 'acmeViewer', [{ op: 'set', path: 'settings.name', value: 'x' }])
    expect(viewerWrite.status).toBe(403)
  })
})

