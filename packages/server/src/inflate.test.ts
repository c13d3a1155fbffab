import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import WebSocket, { WebSocketServer } from 'ws'
import { createMemoryLog } from '@rota/log'
import { CloseCode } from '@rota/protocol'
import { liveInflateContexts, syncInflateWebSocket } from './inflate.ts'
import { cleanupAfterEach, connectClient, startTestServer, waitFor, whenSynced } from './testing.ts'

const { cleanup } = cleanupAfterEach()

/** A ws server using the synchronous inflate that echoes every message, and a deflating client on it. */
const echoPair = async (serverOptions: { clientNoContextTakeover?: boolean; maxPayload?: number } = {}) => {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: serverOptions.maxPayload ?? 0,
    perMessageDeflate: { clientNoContextTakeover: serverOptions.clientNoContextTakeover ?? false, threshold: 0 },
    WebSocket: syncInflateWebSocket,
  })
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined)
    ws.on('message', (data: Buffer) => ws.send(data, { compress: false }))
  })
  await new Promise((resolve) => wss.once('listening', resolve))
  cleanup.push(() => new Promise((resolve) => wss.close(resolve)))
  const { port } = wss.address() as net.AddressInfo
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: { threshold: 0 } })
  client.binaryType = 'nodebuffer'
  const received: Buffer[] = []
  client.on('message', (data: Buffer) => received.push(data))
  const closed = new Promise<number>((resolve) => client.on('close', (code) => resolve(code)))
  client.on('error', () => undefined)
  await new Promise((resolve) => client.once('open', resolve))
  cleanup.push(() => client.terminate())
  return { client, received, closed }
}

/** The status code of the close frame among a server's (unmasked) frames, once it has arrived. */
const closeCodeIn = (frames: Buffer): number | undefined => {
  for (let at = 0; at + 2 <= frames.length; ) {
    const short = frames[at + 1]! & 0x7f
    const [start, length] = short === 126 ? [at + 4, frames.readUInt16BE(at + 2)] : [at + 2, short]
    if ((frames[at]! & 0x0f) === 0x8 && start + 2 <= frames.length) return frames.readUInt16BE(start)
    at = start + length
  }
  return undefined
}

/** Compressible and incompressible payloads, small (a keystroke) to larger than the 64 KiB output buffer. */
const payload = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 120 }),
  fc.string({ minLength: 1, maxLength: 300 }).map((text) => Buffer.from(text.repeat(3))),
  fc.integer({ min: 1, max: 200_000 }).map((length) => Buffer.alloc(length, length % 251)),
  fc.integer({ min: 1, max: 100_000 }).map((length) => randomBytes(length)),
)

describe('synchronous permessage-deflate inflate', () => {
  it('delivers every message byte for byte, with context takeover across messages and fragments', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ data: payload, split: fc.option(fc.nat(), { nil: undefined }) }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (messages, noContextTakeover) => {
          const { client, received } = await echoPair({ clientNoContextTakeover: noContextTakeover })
          expect(client.extensions).toContain('permessage-deflate')
          for (const { data, split } of messages) {
            if (split === undefined || data.length < 2) client.send(data)
            else {
              const at = 1 + (split % (data.length - 1))
              client.send(data.subarray(0, at), { fin: false })
              client.send(data.subarray(at), { fin: true })
            }
          }
          await waitFor(() => received.length === messages.length, 30_000, 'echoes')
          received.forEach((echo, i) => expect(Buffer.compare(echo, Buffer.from(messages[i]!.data))).toBe(0))
          client.close()
        },
      ),
      { numRuns: 25 },
    )
  })

  it('gives an idle connection\'s zlib context back and continues the stream from the kept window', async () => {
    const { client, received } = await echoPair()
    const words = Array.from({ length: 400 }, (_, i) => `shift-${i % 37} assignee staff-${i % 11};`).join('')
    const messages = [Buffer.from(words), randomBytes(5000), Buffer.from(words.slice(100, 900))]
    for (const message of messages) client.send(message)
    await waitFor(() => received.length === 3, 30_000, 'echoes')
    await waitFor(() => liveInflateContexts() === 0, 30_000, 'the idle context released')
    // Deflated against the client's window: these only decode if the server's new context starts from the same bytes.
    const later = [Buffer.from(words.slice(3000, 4000)), Buffer.from(words), randomBytes(40_000), Buffer.from(words.slice(0, 500))]
    for (const message of later) client.send(message)
    await waitFor(() => received.length === 7, 30_000, 'echoes after the release')
    ;[...messages, ...later].forEach((message, i) => expect(Buffer.compare(received[i]!, message)).toBe(0))
  })

  it('refuses a message that inflates above the payload cap (1009) without inflating all of it', async () => {
    const { client, closed } = await echoPair({ maxPayload: 100_000 })
    client.send(Buffer.alloc(10_000_000))
    expect(await closed).toBe(CloseCode.MessageTooBig)
  })

  it('closes a connection whose frame does not inflate (1007); the server stores nothing and serves others', async () => {
    const log = createMemoryLog()
    const server = await startTestServer({ log })
    cleanup.push(() => server.close())
    const { port } = new URL(server.url)
    // A hand-made client: ws would never send a corrupt compressed frame.
    const socket = net.connect(Number(port), '127.0.0.1')
    cleanup.push(() => socket.destroy())
    let response = Buffer.alloc(0)
    socket.on('data', (chunk) => (response = Buffer.concat([response, chunk])))
    socket.write(
      'GET /team%2Fw1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n',
    )
    await waitFor(() => response.includes('\r\n\r\n'), 10_000, 'handshake')
    expect(response.toString('latin1')).toMatch(/^HTTP\/1\.1 101[\s\S]*permessage-deflate/)
    const head = response.indexOf('\r\n\r\n') + 4
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x13, 0x37])
    const mask = Buffer.from([1, 2, 3, 4])
    // FIN + RSV1 (compressed) + binary opcode, masked, 6-byte payload.
    socket.write(Buffer.concat([Buffer.from([0xc2, 0x80 | garbage.length]), mask, garbage.map((b, i) => b ^ mask[i % 4]!)]))
    await waitFor(() => closeCodeIn(response.subarray(head)) !== undefined, 10_000, 'close frame')
    expect(closeCodeIn(response.subarray(head))).toBe(1007)

    const docs = []
    for await (const doc of log.listDocs()) docs.push(doc)
    expect(docs).toEqual([])
    const client = connectClient(server, 'team/w1')
    cleanup.push(() => client.destroy())
    await whenSynced(client)
    client.doc.getText('t').insert(0, 'fine')
    await waitFor(async () => (await log.head('team/w1'))?.headSeq === 1)
  })
})
