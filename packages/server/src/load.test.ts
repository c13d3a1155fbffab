// A room loads the head first and the state after it: with several instances on one log another instance can
// append while a room loads, and a room that claimed a seq its state lacked would drop that entry when the bus
// brought it (as one it held) and the heads repair would find nothing behind (found by the multi-instance test).
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createMemoryLog, type UpdateLog } from '@rota/log'
import { cleanupAfterEach, startTestServer } from './testing.ts'

const { track } = cleanupAfterEach()

const edit = (key: string, value: string): Uint8Array => {
  const doc = new Y.Doc()
  doc.getMap('settings').set(key, value)
  return Y.encodeStateAsUpdate(doc)
}

describe('loading a room while another instance appends', () => {
  it('never leaves the room without an entry its head counts', async () => {
    const shared = createMemoryLog()
    await shared.append('acme/w1', edit('name', 'Ward 1'), { actor: 'other', role: 'admin', origin: 'rest', receivedAt: Date.now(), clientIds: [] })
    // Another instance appends while this one asks for the head, i.e. between the two reads of a load.
    let raced = false
    const log: UpdateLog = Object.create(shared, {
      head: {
        value: async (doc: string) => {
          if (!raced && doc === 'acme/w1') {
            raced = true
            await shared.append(doc, edit('timezone', 'Europe/Oslo'), { actor: 'other', role: 'admin', origin: 'rest', receivedAt: Date.now(), clientIds: [] })
          }
          return shared.head(doc)
        },
      },
    })
    const server = track(await startTestServer({ log }))
    const doc = await server.rooms.getDoc('acme/w1')
    expect(raced).toBe(true)
    expect((await shared.head('acme/w1'))?.headSeq).toBe(2)
    // Whatever the room's head says it holds, its document holds.
    expect(doc.getMap('settings').toJSON()).toEqual({ name: 'Ward 1', timezone: 'Europe/Oslo' })
  })
})
