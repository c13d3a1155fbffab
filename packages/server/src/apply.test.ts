import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { createMemoryLog } from '@rota/log'
import { updateMessage } from './messages.ts'
import { cleanupAfterEach, connectClient, connectRaw, startTestServer, waitFor, whenSynced } from './testing.ts'

const { track } = cleanupAfterEach()

/**
 * A Yjs v1 update that decodes cleanly but makes Y.applyUpdate throw half-way: it sets `key` on the
 * root map `m` (integrated first), then deletes a zero-length range past the end of `victim`'s clock
 * (Yjs throws "Unexpected case" while applying the delete set).
 */
const halfApplyingUpdate = (victim: number, victimClock: number, key: string): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1) // clients with structs
  encoding.writeVarUint(encoder, 1) // structs
  encoding.writeVarUint(encoder, 4242) // client
  encoding.writeVarUint(encoder, 0) // clock
  encoding.writeUint8(encoder, 0x28) // Item: parentSub, ContentAny
  encoding.writeVarUint(encoder, 1) // parent is a root type name
  encoding.writeVarString(encoder, 'm')
  encoding.writeVarString(encoder, key)
  encoding.writeVarUint(encoder, 1)
  encoding.writeAny(encoder, 'half')
  encoding.writeVarUint(encoder, 1) // delete set: one client
  encoding.writeVarUint(encoder, victim)
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, victimClock + 5)
  encoding.writeVarUint(encoder, 0)
  return encoding.toUint8Array(encoder)
}

describe('an update that fails half-applied', () => {
  it('is refused by the core guards before anything is applied (they run whatever the hooks)', async () => {
    const log = createMemoryLog()
    const server = track(await startTestServer({ log }))
    const editor = track(connectClient(server, 'h'))
    await whenSynced(editor)
    editor.doc.getMap('m').set('kept', 1)
    await waitFor(async () => (await log.head('h'))?.headSeq === 1)

    const update = halfApplyingUpdate(editor.doc.clientID, Y.getState(editor.doc.store, editor.doc.clientID), 'evil')
    // The premise: Yjs integrates the struct, then throws.
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(editor.doc))
    expect(() => Y.applyUpdate(copy, update)).toThrow()
    expect(copy.getMap('m').get('evil')).toBe('half')
    const raw = await connectRaw(server, 'h')
    raw.send(updateMessage(update))
    // The zero-length deletion is refused by the shape guard (open hooks run it too): permission denied.
    const denied = await raw.next((m) => m[0] === 2)
    expect(denied[1]).toBe(0)

    // The room's document equals the log's state.
    const roomDoc = await server.rooms.getDoc('h')
    const replayed = new Y.Doc()
    Y.applyUpdate(replayed, await log.stateAt('h'))
    expect(roomDoc.getMap('m').toJSON()).toEqual({ kept: 1 })
    expect(Y.encodeStateVector(roomDoc)).toEqual(Y.encodeStateVector(replayed))
    expect((await log.head('h'))?.headSeq).toBe(1)

    // The editor keeps working.
    editor.doc.getMap('m').set('after', 2)
    await waitFor(async () => (await log.head('h'))?.headSeq === 2)
    const fresh = track(connectClient(server, 'h'))
    await whenSynced(fresh)
    expect(fresh.doc.getMap('m').toJSON()).toEqual({ kept: 1, after: 2 })
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/^rota_documents_reloaded_total 0$/m)
  })
})
