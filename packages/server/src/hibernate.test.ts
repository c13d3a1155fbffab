import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createMemoryLog } from '@rota/log'
import { openLevelLog } from '@rota/log-leveldb'
import { parseDocName } from './docName.ts'
import type { RoomRegistry } from './rooms.ts'
import { cleanupAfterEach, connectClient, readAll, startTestServer, waitFor, whenSynced } from './testing.ts'

const { track, cleanup } = cleanupAfterEach()

/** A server whose sweeps the test runs itself (no timer): two sweeps without a use hibernate a room. */
const start = async () => {
  const log = createMemoryLog()
  const server = track(await startTestServer({ log, roomHibernateMs: 0 }))
  const rooms = server.rooms as RoomRegistry
  const sweepTwice = async () => {
    await rooms.hibernateIdle()
    await rooms.hibernateIdle()
  }
  const hibernating = async () => (await server.metrics.hibernating.get()).values[0]?.value ?? 0
  return { log, server, rooms, sweepTwice, hibernating }
}

const schedule = (doc: Y.Doc) => doc.getMap('shifts')

describe('hibernating rooms', () => {
  it('answer a joining client from the encoded state, without building the document', async () => {
    const { server, sweepTwice, hibernating } = await start()
    const a = track(connectClient(server, 'acme/w1'))
    await whenSynced(a)
    a.doc.transact(() => {
      for (let i = 0; i < 50; i++) schedule(a.doc).set(`s${i}`, new Y.Map(Object.entries({ date: '2026-12-07', start: '07:00', end: '15:00' })))
    })
    schedule(a.doc).delete('s3')
    await waitFor(async () => (await server.rooms.getDoc('acme/w1')).getMap('shifts').size === 49)
    await sweepTwice()
    expect(await hibernating()).toBe(1)

    const b = track(connectClient(server, 'acme/w1'))
    await whenSynced(b)
    await waitFor(() => schedule(b.doc).size === 49, 30_000, 'the joining client to receive the state')
    expect(b.doc.getMap('shifts').toJSON()).toEqual(a.doc.getMap('shifts').toJSON())
    // Joining (sync step 1 and 2 both ways, an empty reply from b) built nothing.
    await (server.rooms as RoomRegistry).hibernateIdle()
    expect(await hibernating()).toBe(1)
  })

  it('build the document again on the next edit, which every client and the log receive', async () => {
    const { log, server, sweepTwice, hibernating } = await start()
    const a = track(connectClient(server, 'acme/w1'))
    const b = track(connectClient(server, 'acme/w1'))
    await Promise.all([whenSynced(a), whenSynced(b)])
    schedule(a.doc).set('s1', 'first')
    await waitFor(() => schedule(b.doc).get('s1') === 'first')
    await sweepTwice()
    expect(await hibernating()).toBe(1)

    schedule(b.doc).set('s2', 'after waking')
    await waitFor(() => schedule(a.doc).get('s2') === 'after waking', 30_000, 'the edit to reach the other client')
    await waitFor(async () => (await readAll(log, 'acme/w1')).length === 2, 30_000, 'both edits in the log')
    await (server.rooms as RoomRegistry).hibernateIdle()
    expect(await hibernating()).toBe(0)

    const replay = new Y.Doc()
    for (const entry of await readAll(log, 'acme/w1')) Y.applyUpdate(replay, entry.update)
    expect(schedule(replay).toJSON()).toEqual(schedule(a.doc).toJSON())
    expect(schedule((await server.rooms.getDoc('acme/w1'))).toJSON()).toEqual(schedule(a.doc).toJSON())
  })

  it('serve REST reads and writes, and keep their clients\' awareness', async () => {
    const { server, sweepTwice, hibernating } = await start()
    const url = `${server.url}/api/docs/${encodeURIComponent('acme/w1')}`
    const a = track(connectClient(server, 'acme/w1'))
    await whenSynced(a)
    a.provider.awareness.setLocalStateField('user', { name: 'Ana' })
    await sweepTwice()
    expect(await hibernating()).toBe(1)

    // A REST write wakes the document; its clients see it.
    const ops = [{ op: 'set', path: 'staff.ana', value: { name: 'Ana', role: 'nurse' } }]
    const patched = await fetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ops }) })
    expect(patched.status).toBe(200)
    await waitFor(() => a.doc.getMap('staff').has('ana'), 30_000, 'the REST write to reach the client')

    // A REST read of a hibernating document builds it and answers what the clients hold.
    await sweepTwice()
    expect(await hibernating()).toBe(1)
    const read = await fetch(url)
    expect(read.status).toBe(200)
    expect(((await read.json()) as { schedule: { staff: Record<string, unknown> } }).schedule.staff).toHaveProperty('ana')
    await (server.rooms as RoomRegistry).hibernateIdle()
    expect(await hibernating()).toBe(0)

    // Presence outlives hibernation: a client joining a hibernating room sees who is there.
    await sweepTwice()
    const b = track(connectClient(server, 'acme/w1'))
    await whenSynced(b)
    await waitFor(() => [...b.provider.awareness.getStates().values()].some((state) => state.user?.name === 'Ana'), 30_000, "Ana's presence")
  })

  it('never hibernate while Yjs holds structs it could not integrate yet', async () => {
    const { rooms, sweepTwice, hibernating } = await start()
    const room = await rooms.join(parseDocName('acme/w1', 255), { send() {}, close() {}, awarenessClients: new Set(), speaksRota: false })
    const source = new Y.Doc()
    source.getMap('shifts').set('a', 1)
    const first = Y.encodeStateAsUpdate(source)
    source.getMap('shifts').set('b', 2)
    const second = Y.encodeStateAsUpdate(source, Y.encodeStateVectorFromUpdate(first))
    // Applied straight to the room's document (a stored pending struct loads the same way): it waits for `first`.
    Y.applyUpdate(room.ydoc, second)
    expect(room.ydoc.store.pendingStructs).not.toBeNull()
    await sweepTwice()
    expect(await hibernating()).toBe(0)
    expect(room.hibernate()).toBe(false)
  })

  it('start from a stored checkpoint without building the document until it is used', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-hibernate-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const log = await openLevelLog({ dir })
    cleanup.push(() => log.close())
    const first = await startTestServer({ log, roomHibernateMs: 0 })
    const writer = connectClient(first, 'acme/w1')
    await whenSynced(writer)
    for (let i = 0; i < 20; i++) schedule(writer.doc).set(`s${i}`, i)
    await waitFor(async () => (await readAll(log, 'acme/w1')).length === 20, 30_000, 'the edits in the log')
    writer.destroy()
    await first.close()
    expect(await log.checkpoint('acme/w1')).toBe(20)
    expect((await log.stateParts('acme/w1')).map((part) => part.encoding)).toEqual(['v2'])

    const server = track(await startTestServer({ log, roomHibernateMs: 0 }))
    const rooms = server.rooms as RoomRegistry
    const reader = track(connectClient(server, 'acme/w1'))
    await whenSynced(reader)
    await waitFor(() => schedule(reader.doc).size === 20, 30_000, 'the stored state')
    await rooms.hibernateIdle()
    expect((await server.metrics.hibernating.get()).values[0]?.value).toBe(1)

    schedule(reader.doc).set('s20', 20)
    await waitFor(async () => (await readAll(log, 'acme/w1')).length === 21, 30_000, 'the next edit in the log')
    await rooms.hibernateIdle()
    expect((await server.metrics.hibernating.get()).values[0]?.value).toBe(0)
    expect(schedule(await server.rooms.getDoc('acme/w1')).toJSON()).toEqual(schedule(reader.doc).toJSON())
  })
})
