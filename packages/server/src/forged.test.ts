import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLevelLog } from '@rota/log-leveldb'
import { CloseCode } from '@rota/protocol'
import { ServerErrorCode } from './errors.ts'
import { updateMessage } from './messages.ts'
import { cleanupAfterEach, connectClient, connectRaw, readAll, startTestServer, waitFor, whenSynced } from './testing.ts'

const { cleanup, track } = cleanupAfterEach()

/**
 * Another version of `victim`'s struct at `victim`'s current clock, built with real Yjs documents: a map
 * entry whose left neighbour is an item of a client the server has never seen (and the update lacks).
 */
const forgedCopy = (victim: Y.Doc): Uint8Array => {
  const stranger = new Y.Doc()
  stranger.getMap('m').set('x', 'stranger')
  const forger = new Y.Doc()
  Y.applyUpdate(forger, Y.encodeStateAsUpdate(victim))
  Y.applyUpdate(forger, Y.encodeStateAsUpdate(stranger))
  const before = Y.encodeStateVector(forger)
  // Yjs picks a new client id when remote structs carry its own: take the victim's just before writing.
  forger.clientID = victim.clientID
  forger.getMap('m').set('x', 'forged')
  return Y.encodeStateAsUpdate(forger, before)
}

/**
 * A server on a LevelDB log, which rebuilds a state by merging entries (Y.mergeUpdates, one version of each
 * struct), and a synced stock client editing `doc`.
 */
const serverOnLevelLog = async (doc: string) => {
  const dir = await mkdtemp(join(tmpdir(), 'rota-forged-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  const log = await openLevelLog({ dir })
  const server = track(await startTestServer({ log }))
  const editor = track(connectClient(server, doc))
  await whenSynced(editor)
  return { log, server, editor }
}

/** A Yjs v1 update with no structs and one deleted range: what a crafted "delete ahead" sends. */
const deletionOf = (client: number, clock: number, len: number): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, clock)
  encoding.writeVarUint(encoder, len)
  return encoding.toUint8Array(encoder)
}

const stateVector = (doc: Y.Doc) => Y.decodeStateVector(Y.encodeStateVector(doc))

describe('a forged copy of a struct the server holds', () => {
  it('is refused, so that replaying the log rebuilds the room’s document', async () => {
    const { log, server, editor } = await serverOnLevelLog('f')
    editor.doc.getMap('m').set('name', 'one')
    await waitFor(async () => (await log.head('f'))?.headSeq === 1)

    // The forgery's struct will be editor:1, which the server holds once the editor's next edit arrives.
    const forged = forgedCopy(editor.doc)
    const { structs } = Y.decodeUpdate(forged)
    expect(structs.map((struct) => [struct.id.client, struct.id.clock])).toEqual([[editor.doc.clientID, 1]])
    editor.doc.getMap('m').set('name', 'two')
    await waitFor(async () => (await log.head('f'))?.headSeq === 2)

    // The premise: Yjs keeps the copy pending instead of skipping it.
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(editor.doc))
    Y.applyUpdate(copy, forged)
    expect(copy.store.pendingStructs).not.toBeNull()

    const refused = await server.rooms.applyUpdate('f', forged, { actor: 't', role: 'admin', origin: 'rest' }).then(
      () => 'stored',
      (err: { code?: string }) => err.code,
    )
    editor.doc.getMap('m').set('name', 'three')
    const logged = async () => (await readAll(log, 'f')).some((entry) => Y.parseUpdateMeta(entry.update).to.get(editor.doc.clientID) === 3)
    await waitFor(logged)

    // The log rebuilds exactly the room's document: nothing pending on either side, the same content.
    const roomDoc = await server.rooms.getDoc('f')
    const replayed = new Y.Doc()
    Y.applyUpdate(replayed, await log.stateAt('f'))
    expect(replayed.getMap('m').toJSON()).toEqual(roomDoc.getMap('m').toJSON())
    expect(stateVector(replayed)).toEqual(stateVector(roomDoc))
    expect(roomDoc.getMap('m').toJSON()).toEqual({ name: 'three' })
    expect(roomDoc.store.pendingStructs).toBeNull()
    expect(refused).toBe(ServerErrorCode.BadUpdate)

    // Over WebSocket too.
    const raw = await connectRaw(server, 'f')
    raw.send(updateMessage(forged))
    expect((await raw.closed).code).toBe(CloseCode.PolicyViolation)
  })
})

describe('a copy of a struct the server holds, with different content', () => {
  it('is not stored: the log keeps one version of each struct, so its replay equals the room', async () => {
    const { log, server, editor } = await serverOnLevelLog('g')
    const list = editor.doc.getArray<string>('a')
    list.push(['a'])
    list.push(['b'])
    list.push(['c'])
    await waitFor(async () => (await readAll(log, 'g')).length === 3)

    // The same ids (the editor's three items, as one struct with no neighbours), other content.
    const rewritten = new Y.Doc()
    rewritten.clientID = editor.doc.clientID
    rewritten.getArray<string>('a').push(['x', 'y', 'z'])
    const copy = Y.encodeStateAsUpdate(rewritten)
    expect(Y.decodeUpdate(copy).structs.map((struct) => [struct.id.client, struct.id.clock, struct.length])).toEqual([[editor.doc.clientID, 0, 3]])
    await server.rooms.applyUpdate('g', copy, { actor: 't', role: 'admin', origin: 'rest' })
    list.push(['d'])
    await waitFor(async () => (await readAll(log, 'g')).some((entry) => Y.parseUpdateMeta(entry.update).to.get(editor.doc.clientID) === 4))

    const roomDoc = await server.rooms.getDoc('g')
    const replayed = new Y.Doc()
    Y.applyUpdate(replayed, await log.stateAt('g'))
    expect(roomDoc.getArray('a').toArray()).toEqual(['a', 'b', 'c', 'd'])
    expect(replayed.getArray('a').toArray()).toEqual(roomDoc.getArray('a').toArray())
  })
})

describe('a deletion of structs the server does not have yet', () => {
  // Yjs would keep it pending and apply it when the structs arrive, here and on every replica that gets them
  // from the server, but not on their author's replica (Yjs retries pending deletions only when remote
  // updates arrive): the author would keep an edit everyone else sees deleted, for good.
  it('is refused from every editor, admins included, and the author’s next edit stays', async () => {
    const { log, server, editor } = await serverOnLevelLog('h')
    const settings = editor.doc.getMap('settings')
    settings.set('name', 'one')
    await waitFor(async () => (await log.head('h'))?.headSeq === 1)

    // The editor's next structs will be editor:1…: delete them before they exist.
    const update = deletionOf(editor.doc.clientID, Y.getState(editor.doc.store, editor.doc.clientID), 3)
    const admin = { sub: 'root', tenant: null, role: 'admin' as const }
    const refused = await server.rooms
      .applyUpdate('h', update, { actor: 'root', role: 'admin', origin: 'ws' }, { identity: admin })
      .then(() => 'stored', (err: { code?: string }) => err.code)
    expect(refused).toBe(ServerErrorCode.Forbidden)

    settings.set('name', 'two')
    await waitFor(async () => (await log.head('h'))?.headSeq === 2)
    const roomDoc = await server.rooms.getDoc('h')
    expect(roomDoc.getMap('settings').toJSON()).toEqual({ name: 'two' })
    expect(roomDoc.store.pendingDs).toBeNull()
  })
})
