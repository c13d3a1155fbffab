import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import * as encoding from 'lib0/encoding'
import type { Counter } from 'prom-client'
import { CloseCode, MessageType } from '@rota/protocol'
import { cleanupAfterEach, connectRaw, startTestServer, waitFor, type RawClient } from './testing.ts'
import type { RotaServer, UpdateMeta } from './types.ts'

const { cleanup, track } = cleanupAfterEach()

const DOC = 'team/slow'
const meta: UpdateMeta = { actor: 'test', role: 'admin', origin: 'rest' }
const syncStep1Empty = [MessageType.Sync, 0, 1, 0]
const isSyncStep2 = (m: Uint8Array) => m[0] === MessageType.Sync && m[1] === 1
const isAwareness = (m: Uint8Array) => m[0] === MessageType.Awareness

/**
 * A client that stops reading: its TCP socket is paused, so the kernel buffers fill and the server's writes
 * pile up in the server process. Compression is off so that what is queued is what is sent.
 */
const stalledClient = async (server: RotaServer, path = DOC): Promise<RawClient & { resume(): void }> => {
  const raw = await connectRaw(server, path, { perMessageDeflate: false })
  cleanup.push(() => raw.ws.terminate())
  await raw.next((m) => m[0] === MessageType.Sync && m[1] === 0)
  const socket = (raw.ws as unknown as { _socket: Socket })._socket
  socket.pause()
  return Object.assign(raw, { resume: () => socket.resume() })
}

/** Bytes waiting to be written, over every WebSocket the server holds. */
const queuedBytes = (server: RotaServer): number =>
  [...server.app.websocketServer.clients].reduce((sum, client) => sum + client.bufferedAmount, 0)

const counted = async (counter: Counter<string>, labels: Record<string, string> = {}): Promise<number> =>
  (await counter.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0

/** Connections refused as slow readers. */
const slowClosed = (server: RotaServer) => counted(server.metrics.rejected, { reason: 'ROTA_ERR_SLOW_READER' })

const received = (server: RotaServer, kind: string): number => server.metrics.tally.messagesIn.get(kind) ?? 0

/** Incompressible bytes (Yjs stores a plain Uint8Array as binary content). */
const noise = (bytes: number) => new Uint8Array(randomBytes(bytes))

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** An awareness message in which one connection speaks for `states.length` clients. */
const presences = (states: unknown[]): Uint8Array => {
  const update = encoding.createEncoder()
  encoding.writeVarUint(update, states.length)
  states.forEach((state, i) => {
    encoding.writeVarUint(update, 1000 + i)
    encoding.writeVarUint(update, 1)
    encoding.writeVarString(update, JSON.stringify(state))
  })
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update))
  return encoding.toUint8Array(encoder)
}

describe('slow readers cannot make the server queue without bound', () => {
  it('repeated SyncStep1 from a client that does not read are answered one at a time', { timeout: 120_000 }, async () => {
    // The bound is below the document's size: the one sync reply in flight is not counted against it.
    const limits = { maxQueuedBytes: 256 * 1024 }
    const server = track(await startTestServer({ limits }))
    const docBytes = 512 * 1024
    await server.rooms.change(DOC, meta, (ydoc) => ydoc.getMap('m').set('blob', noise(docBytes)))
    const raw = await stalledClient(server, `${DOC}?ack=1`)
    const requests = 100
    for (let i = 0; i < requests; i++) raw.send(syncStep1Empty)
    await waitFor(() => received(server, 'syncStep1') >= requests, 60_000, 'every SyncStep1 handled')

    const queued = queuedBytes(server)
    console.warn(`${requests} SyncStep1 for a ${mib(docBytes)} document: ${mib(queued)} queued`)
    // Before: a reply per request, ~50 MiB queued.
    expect(queued).toBeLessThan(limits.maxQueuedBytes + 2 * docBytes)
    const collapsed = await counted(server.metrics.collapsedReplies, { kind: 'syncStep1' })
    expect(collapsed).toBeGreaterThan(0)

    // Once the client reads again it gets one reply per request that was not collapsed, and stays connected.
    raw.resume()
    await waitFor(() => raw.messages.filter(isSyncStep2).length === requests - collapsed, 60_000, 'the remaining replies')
    expect(raw.ws.readyState).toBe(raw.ws.OPEN)
  })

  it('repeated QueryAwareness are collapsed the same way', { timeout: 120_000 }, async () => {
    const limits = { maxQueuedBytes: 64 * 1024 }
    const server = track(await startTestServer({ limits }))
    // Eight presences of ~15 KiB (hardly compressible) from one connection: ~120 KiB per answer.
    const presenter = await connectRaw(server, DOC, { perMessageDeflate: false })
    cleanup.push(() => presenter.ws.terminate())
    presenter.send(presences(Array.from({ length: 8 }, () => ({ blob: randomBytes(11 * 1024).toString('base64') }))))
    await waitFor(() => (server.metrics.tally.messagesIn.get('awareness') ?? 0) >= 1, 30_000, 'presences')

    const raw = await stalledClient(server)
    const requests = 300
    for (let i = 0; i < requests; i++) raw.send([MessageType.QueryAwareness])
    await waitFor(() => received(server, 'queryAwareness') >= requests, 60_000, 'every QueryAwareness handled')

    const queued = queuedBytes(server)
    console.warn(`${requests} QueryAwareness for 8 × 15 KiB presences: ${mib(queued)} queued`)
    // Before: ~36 MiB queued.
    expect(queued).toBeLessThan(limits.maxQueuedBytes + 2 * 130 * 1024)
    const collapsed = await counted(server.metrics.collapsedReplies, { kind: 'queryAwareness' })
    expect(collapsed).toBeGreaterThan(0)

    raw.resume()
    // The presences it got on joining, then one answer per request that was not collapsed.
    await waitFor(() => raw.messages.filter(isAwareness).length === 1 + requests - collapsed, 60_000, 'the remaining answers')
    expect(raw.ws.readyState).toBe(raw.ws.OPEN)
  })

  it('viewers that stop reading a document being written are closed with 4413; the others keep up', { timeout: 120_000 }, async () => {
    const limits = { maxQueuedBytes: 256 * 1024, closeTimeoutMs: 60_000 }
    const server = track(await startTestServer({ limits }))
    await server.rooms.change(DOC, meta, (ydoc) => ydoc.getMap('m').set('start', 1))
    const reader = await connectRaw(server, DOC)
    cleanup.push(() => reader.ws.terminate())
    const stalled = [await stalledClient(server), await stalledClient(server), await stalledClient(server)]
    const before = process.memoryUsage().rss

    // 64 KiB of incompressible bytes per edit, until the server gives up on the stalled viewers (bounded). The
    // reader reads each edit before the next is written: it keeps up.
    const relayed = () => reader.messages.filter((m) => m[0] === MessageType.Sync && m[1] === 2).length
    let writes = 0
    while ((await slowClosed(server)) < stalled.length && writes < 400) {
      await server.rooms.change(DOC, meta, (ydoc) => ydoc.getMap('m').set(`k${writes % 8}`, noise(64 * 1024)))
      writes += 1
      await waitFor(() => relayed() >= writes, 30_000, 'the reader to get the edit')
    }
    console.warn(`${writes} edits of 64 KiB: RSS ${mib(before)} → ${mib(process.memoryUsage().rss)}, ${mib(queuedBytes(server))} queued`)
    expect(await slowClosed(server)).toBe(stalled.length)
    expect(await counted(server.metrics.slowReaders)).toBe(stalled.length)

    // The close frame waits behind what was queued: a stalled viewer that reads again sees 4413 after it.
    for (const viewer of stalled) viewer.resume()
    for (const viewer of stalled) expect((await viewer.closed).code).toBe(CloseCode.SlowReader)
    await waitFor(() => server.app.websocketServer.clients.size === 1, 30_000, 'only the reader left')
    expect(reader.ws.readyState).toBe(reader.ws.OPEN)
    expect(relayed()).toBe(writes)
  })

  it('a viewer that never reads again is destroyed after closeTimeoutMs and its buffered bytes are released', { timeout: 120_000 }, async () => {
    const limits = { maxQueuedBytes: 256 * 1024, closeTimeoutMs: 50 }
    const server = track(await startTestServer({ limits }))
    await server.rooms.change(DOC, meta, (ydoc) => ydoc.getMap('m').set('start', 1))
    const stalled = await stalledClient(server)
    const before = process.memoryUsage().rss
    let writes = 0
    let peak = 0
    while ((await slowClosed(server)) < 1 && writes < 400) {
      await server.rooms.change(DOC, meta, (ydoc) => ydoc.getMap('m').set(`k${writes % 8}`, noise(64 * 1024)))
      peak = Math.max(peak, queuedBytes(server))
      writes += 1
    }
    expect(await slowClosed(server)).toBe(1)
    // The server lets go of the socket, and of what was queued for it, though the client never reads.
    await waitFor(() => server.app.websocketServer.clients.size === 0, 30_000, 'the stalled socket destroyed')
    expect(queuedBytes(server)).toBe(0)
    ;(globalThis as { gc?: () => void }).gc?.()
    console.warn(
      `stalled reader: peak ${mib(peak)} queued (bound ${mib(limits.maxQueuedBytes)}), RSS ${mib(before)} → ${mib(process.memoryUsage().rss)} after release`,
    )
    stalled.resume()
    expect((await stalled.closed).code).not.toBe(CloseCode.Normal)
  })
})
