/**
 * The author's view and its bounds, against a real server on a real LevelDB log with real tokens: a sync
 * reply is judged on the state its connection declared, and a declared state that is not a real cut of the
 * log (beyond the server, or older than what the update was built on) is refused with ROTA_ERR_FORGED_VIEW.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import WebSocket from 'ws'
import * as encoding from 'lib0/encoding'
import { openLevelLog } from '@rota/log-leveldb'
import { applyOps, toJSON } from '@rota/model'
import { CloseCode } from '@rota/protocol'
import { mint, startAuthServer, waitFor, type AuthServer } from './testing/harness.ts'
import { wardDoc } from './testing/schedule.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const DOC = 'acme/view'

const start = async (): Promise<AuthServer> => {
  const dir = await mkdtemp(join(tmpdir(), 'rota-view-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  const env = await startAuthServer({ log: await openLevelLog({ dir }) })
  cleanup.push(() => env.close())
  await env.server.rooms.applyUpdate(DOC, Y.encodeStateAsUpdate(wardDoc()), { actor: 'seed', role: 'admin', origin: 'import' })
  return env
}

const syncMessage = (subtype: number, payload: Uint8Array): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, subtype)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

const stateVector = (entries: Array<[number, number]>): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const [client, clock] of entries) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, clock)
  }
  return encoding.toUint8Array(encoder)
}

/** A raw connection that declares `declared` in its sync step 1, then sends `reply` as its sync step 2. */
const declareAndReply = async (env: AuthServer, token: string, declared: Uint8Array, reply: Uint8Array) => {
  const ws = new WebSocket(`${env.server.wsUrl}/${DOC}?token=${token}`)
  cleanup.push(() => ws.terminate())
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  ws.send(syncMessage(0, declared))
  ws.send(syncMessage(1, reply))
  return closed
}

const replicaOf = async (env: AuthServer): Promise<Y.Doc> => {
  const replica = new Y.Doc()
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(await env.server.rooms.getDoc(DOC)))
  return replica
}

describe('forged views', () => {
  it('a staff client declaring a state beyond the server’s (that its update does not bring) is refused with 4403', async () => {
    const env = await start()
    const ana = await mint({ sub: 'ana@acme', tenant: 'acme', role: 'staff', staffId: 'ana' })
    const replica = await replicaOf(env)
    const before = Y.encodeStateVector(replica)
    applyOps(replica, [{ op: 'set', path: 'shifts.anas.notes', value: 'x' }])
    const reply = Y.encodeStateAsUpdate(replica, before)
    const declared = [...Y.decodeStateVector(Y.encodeStateVector(replica))]
    const closed = await declareAndReply(env, ana, stateVector([...declared, [424242, 50]]), reply)
    expect(closed.code).toBe(CloseCode.Forbidden)
    expect(closed.reason).toMatch(/declared state/)
    expect(toJSON(await env.server.rooms.getDoc(DOC)).shifts.anas?.notes).toBe('')
  })

  it('a staff client declaring an older state than its update was built on is refused with 4403', async () => {
    const env = await start()
    const ana = await mint({ sub: 'ana@acme', tenant: 'acme', role: 'staff', staffId: 'ana' })
    // Someone changes the shift; Ana's client builds on that change but claims it never saw it.
    const old = Y.encodeStateVector(await env.server.rooms.getDoc(DOC))
    await env.server.rooms.change(DOC, { actor: 'mara', role: 'manager', origin: 'rest' }, (doc) =>
      applyOps(doc, [{ op: 'set', path: 'shifts.bens.assignee', value: null }]),
    )
    const replica = await replicaOf(env)
    const before = Y.encodeStateVector(replica)
    applyOps(replica, [{ op: 'set', path: 'shifts.bens.assignee', value: 'ana' }])
    const reply = Y.encodeStateAsUpdate(replica, before)
    const closed = await declareAndReply(env, ana, old, reply)
    expect(closed.code).toBe(CloseCode.Forbidden)
    expect(closed.reason).toMatch(/not made on the state/)
  })
  it('a genuine offline client is judged on the state it declared, not on the server’s newer one', async () => {
    const env = await start()
    const ana = await mint({ sub: 'ana@acme', tenant: 'acme', role: 'staff', staffId: 'ana' })
    const replica = await replicaOf(env)
    const declared = Y.encodeStateVector(replica)
    // Meanwhile the open shift gets a required skill Ana lacks; her pick-up was made before she knew.
    await env.server.rooms.change(DOC, { actor: 'mara', role: 'manager', origin: 'rest' }, (doc) =>
      applyOps(doc, [{ op: 'set', path: 'shifts.open.requiredSkill', value: 'triage' }]),
    )
    applyOps(replica, [{ op: 'set', path: 'shifts.open.assignee', value: 'ana' }])
    const reply = Y.encodeStateAsUpdate(replica, declared)
    const ws = new WebSocket(`${env.server.wsUrl}/${DOC}?token=${ana}`)
    cleanup.push(() => ws.terminate())
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    ws.send(syncMessage(0, declared))
    ws.send(syncMessage(1, reply))
    await waitFor(async () => toJSON(await env.server.rooms.getDoc(DOC)).shifts.open?.assignee === 'ana', 'the pick-up to be stored')
    expect(toJSON(await env.server.rooms.getDoc(DOC)).shifts.open?.requiredSkill).toBe('triage')
  })
})

describe('forged client ids', () => {
  it('an update carrying the next clock of another editor’s client id is refused, and that editor’s real edit lands', async () => {
    const env = await start()
    const ben = await mint({ sub: 'ben@acme', tenant: 'acme', role: 'staff', staffId: 'ben' })
    const ana = await mint({ sub: 'ana@acme', tenant: 'acme', role: 'staff', staffId: 'ana' })
    // Ben edits once, so his client id is his on this server.
    const bens = await replicaOf(env)
    const send = async (token: string, update: Uint8Array): Promise<WebSocket> => {
      const ws = new WebSocket(`${env.server.wsUrl}/${DOC}?token=${token}`)
      cleanup.push(() => ws.terminate())
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      ws.send(syncMessage(2, update))
      return ws
    }
    let sv = Y.encodeStateVector(bens)
    applyOps(bens, [{ op: 'set', path: 'shifts.bens.notes', value: 'first' }])
    await send(ben, Y.encodeStateAsUpdate(bens, sv))
    await waitFor(async () => toJSON(await env.server.rooms.getDoc(DOC)).shifts.bens?.notes === 'first', 'Ben’s first edit')
    // Ana forges Ben's next struct (his client id, his next clock) with a note of her own.
    const forger = new Y.Doc()
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(bens))
    forger.clientID = bens.clientID
    sv = Y.encodeStateVector(forger)
    applyOps(forger, [{ op: 'set', path: 'shifts.anas.notes', value: 'forged' }])
    const denied = await send(ana, Y.encodeStateAsUpdate(forger, sv))
    await new Promise<void>((resolve) => denied.on('message', (data: Buffer) => (data[0] === 2 ? resolve() : undefined)))
    // Ben's real next edit, with that very id and clock, is stored.
    sv = Y.encodeStateVector(bens)
    applyOps(bens, [{ op: 'set', path: 'shifts.bens.notes', value: 'second' }])
    await send(ben, Y.encodeStateAsUpdate(bens, sv))
    await waitFor(async () => toJSON(await env.server.rooms.getDoc(DOC)).shifts.bens?.notes === 'second', 'Ben’s second edit')
    expect(toJSON(await env.server.rooms.getDoc(DOC)).shifts.anas?.notes).toBe('')
  })

  it('a sync reply that forwards another editor’s edit the server lost makes that id no one’s: their next live edit lands', async () => {
    const env = await start()
    const max = await mint({ sub: 'max@acme', tenant: 'acme', role: 'manager' })
    const mia = await mint({ sub: 'mia@acme', tenant: 'acme', role: 'manager' })
    const open = async (token: string): Promise<WebSocket> => {
      const ws = new WebSocket(`${env.server.wsUrl}/${DOC}?token=${token}`)
      cleanup.push(() => ws.terminate())
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      return ws
    }
    const notes = async () => toJSON(await env.server.rooms.getDoc(DOC)).shifts.open?.notes
    // Max's edit reached Mia (relayed) but not the log: the server died before it was stored, and restarted.
    const maxs = await replicaOf(env)
    const stored = Y.encodeStateVector(maxs)
    applyOps(maxs, [{ op: 'set', path: 'shifts.open.notes', value: 'max, lost by the server' }])
    const mias = await replicaOf(env)
    Y.applyUpdate(mias, Y.encodeStateAsUpdate(maxs, stored))
    // Mia reconnects first: her sync reply gives it back.
    ;(await open(mia)).send(syncMessage(1, Y.encodeStateAsUpdate(mias, stored)))
    await waitFor(async () => (await notes()) === 'max, lost by the server', 'Max’s edit, given back by Mia')
    // Max comes back and edits live with his own client id: his, not Mia's.
    const before = Y.encodeStateVector(maxs)
    applyOps(maxs, [{ op: 'set', path: 'shifts.open.notes', value: 'max again' }])
    ;(await open(max)).send(syncMessage(2, Y.encodeStateAsUpdate(maxs, before)))
    await waitFor(async () => (await notes()) === 'max again', 'Max’s next live edit')
  })
})
