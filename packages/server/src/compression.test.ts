import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Socket } from 'node:net'
import { cleanupAfterEach, connectClient, connectRaw, startTestServer, waitFor, whenSynced } from './testing.ts'
import { updateMessage } from './messages.ts'
import type { RotaServer } from './types.ts'

const { cleanup, track } = cleanupAfterEach()

/** Bytes read from / written to the TCP socket under a ws client. */
const wireRead = (raw: { ws: object }) => ((raw.ws as { _socket: Socket })._socket).bytesRead
const wireWritten = (raw: { ws: object }) => ((raw.ws as { _socket: Socket })._socket).bytesWritten

const metric = async (server: RotaServer, direction: string, layer: string) => {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`rota_ws_bytes_total{direction="${direction}",layer="${layer}"}`))
  return Number(line?.split(' ')[1] ?? 0)
}

describe('permessage-deflate', () => {
  it('deflates a large initial sync and leaves small updates uncompressed', async () => {
    const server = track(await startTestServer())
    const author = track(connectClient(server, 'big'))
    await whenSynced(author)
    const shifts = author.doc.getMap('shifts')
    author.doc.transact(() => {
      for (let i = 0; i < 2000; i++) shifts.set(`s${i}`, { date: '2026-11-30', start: '09:00', end: '17:00', role: 'nurse', notes: '' })
    })
    await waitFor(async () => (await fetch(`${server.url}/api/docs/big/update`)).status === 200)

    const reader = await connectRaw(server, 'big')
    cleanup.push(() => reader.ws.close())
    expect(reader.ws.extensions).toContain('permessage-deflate')
    const before = wireRead(reader)
    reader.send([0, 0, 1, 0]) // sync step 1 of an empty document: the server answers with everything
    const step2 = await reader.next((m) => m[0] === 0 && m[1] === 1)
    const onWire = wireRead(reader) - before
    expect(step2.length).toBeGreaterThan(50_000)
    expect(onWire).toBeLessThan(step2.length / 4)

    // A small update (below the 1 KiB threshold) arrives as it is: payload + 2 header bytes.
    const from = reader.messages.length
    const start = wireRead(reader)
    author.doc.getMap('shifts').delete('s1')
    const small = await reader.next((m) => m[0] === 0 && m[1] === 2, from)
    expect(small.length).toBeLessThan(126)
    expect(wireRead(reader) - start).toBe(small.length + 2)

    // The server counts both layers.
    const payloadOut = await metric(server, 'out', 'payload')
    const wireOut = await metric(server, 'out', 'wire')
    expect(payloadOut).toBeGreaterThan(step2.length)
    expect(wireOut).toBeLessThan(payloadOut / 2)
  })

  it.each([
    ['stream', true],
    ['large-messages', false],
  ] as const)('clientCompression %s: a ws client deflates its small edits: %s', async (mode, compressed) => {
    const server = track(await startTestServer({ clientCompression: mode }))
    const author = await connectRaw(server, `client-${mode}`)
    cleanup.push(() => author.ws.close())
    const source = new Y.Doc()
    const edits: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => edits.push(updateMessage(update)))
    for (let i = 0; i < 20; i++) source.getMap('shifts').set(`s${i}`, 'assigned to ana for the morning shift')
    const before = wireWritten(author)
    for (const edit of edits) author.send(edit)
    const room = await server.rooms.getDoc(`client-${mode}`)
    await waitFor(() => room.getMap('shifts').size === 20)
    // A client frame costs 6 bytes of header and mask (payloads under 126 bytes); compressed frames cost less in all.
    const raw = edits.reduce((sum, edit) => sum + edit.length + 6, 0)
    if (compressed) expect(wireWritten(author) - before).toBeLessThan(raw * 0.8)
    else expect(wireWritten(author) - before).toBe(raw)
  })

  it('refuses an unknown clientCompression', async () => {
    await expect(startTestServer({ clientCompression: 'always' as never })).rejects.toThrow(RangeError)
  })

  it('respects a configured threshold', async () => {
    const server = track(await startTestServer({ compressionThreshold: 1 << 30 }))
    const author = await connectRaw(server, 'x')
    cleanup.push(() => author.ws.close())
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'a'.repeat(20_000))
    author.send(updateMessage(Y.encodeStateAsUpdate(doc)))
    const reader = await connectRaw(server, 'x')
    cleanup.push(() => reader.ws.close())
    await waitFor(() => server.rooms.openDocs().includes('x'))
    const before = wireRead(reader)
    reader.send([0, 0, 1, 0])
    const step2 = await reader.next((m) => m[0] === 0 && m[1] === 1)
    expect(wireRead(reader) - before).toBeGreaterThanOrEqual(step2.length)
  })
})
