import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createMemoryLog } from '@rota/log'
import { cleanupAfterEach, connectClient, readAll, startTestServer, waitFor, whenSynced, type TestClient } from './testing.ts'

const { track } = cleanupAfterEach()

const text = (client: TestClient) => client.doc.getText('t').toString()

describe('stock y-websocket clients', () => {
  it('three clients on one document converge, and every update is in the log', async () => {
    const log = createMemoryLog()
    const server = track(await startTestServer({ log }))
    const clients = [0, 1, 2].map(() => track(connectClient(server, 'acme/2026-w48')))
    await Promise.all(clients.map(whenSynced))
    clients.forEach((client, i) => client.doc.getText('t').insert(0, `c${i};`))
    clients[0]!.doc.getMap('m').set('k', 'v')
    await waitFor(() => clients.every((c) => text(c).length === 9 && c.doc.getMap('m').get('k') === 'v'))
    const expected = text(clients[0]!)
    expect(clients.map(text)).toEqual([expected, expected, expected])

    // The log holds the same state, with metadata from the connection.
    await waitFor(async () => (await log.head('acme/2026-w48'))?.headSeq === 4)
    const entries = await readAll(log, 'acme/2026-w48')
    expect(entries.map((e) => e.meta.origin)).toEqual(['ws', 'ws', 'ws', 'ws'])
    expect(entries[0]!.meta.actor).toBe('anonymous')
    const fromLog = new Y.Doc()
    Y.applyUpdate(fromLog, await log.stateAt('acme/2026-w48'))
    expect(fromLog.getText('t').toString()).toBe(expected)
    expect(new Set(entries.flatMap((e) => e.meta.clientIds))).toEqual(new Set(clients.map((c) => c.doc.clientID)))
  })

  it('keeps documents separate', async () => {
    const server = track(await startTestServer())
    const a = track(connectClient(server, 'a'))
    const b = track(connectClient(server, 'b'))
    const a2 = track(connectClient(server, 'a'))
    await Promise.all([a, b, a2].map(whenSynced))
    a.doc.getText('t').insert(0, 'in a')
    b.doc.getText('t').insert(0, 'in b')
    await waitFor(() => text(a2) === 'in a')
    const b2 = track(connectClient(server, 'b'))
    await whenSynced(b2)
    await waitFor(() => text(b2) === 'in b')
    expect(text(a)).toBe('in a')
    expect(text(b)).toBe('in b')
  })

  it('relays awareness and removes a client’s state when it disconnects', async () => {
    const server = track(await startTestServer())
    const a = track(connectClient(server, 'doc'))
    const b = track(connectClient(server, 'doc'))
    await Promise.all([a, b].map(whenSynced))
    a.provider.awareness.setLocalStateField('user', { name: 'Ana' })
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ana')
    a.provider.disconnect()
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), 30_000, 'awareness removal')
  })

  it('loads a document from the log before a client sees it', async () => {
    const log = createMemoryLog()
    const seed = new Y.Doc()
    seed.getText('t').insert(0, 'stored')
    await log.append('stored', Y.encodeStateAsUpdate(seed), {
      actor: 'test',
      role: 'admin',
      origin: 'import',
      clientIds: [seed.clientID],
      receivedAt: Date.now(),
    })
    const server = track(await startTestServer({ log }))
    const client = track(connectClient(server, 'stored'))
    // The first sync already carries the stored text: there is no empty moment.
    await new Promise<void>((resolve) => client.provider.once('sync', () => resolve()))
    expect(text(client)).toBe('stored')
  })
})
