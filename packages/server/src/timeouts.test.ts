import { describe, expect, it } from 'vitest'
import net from 'node:net'
import { cleanupAfterEach, startTestServer, waitFor } from './testing.ts'
import type { Limits, RotaServer } from './types.ts'

const { cleanup, track } = cleanupAfterEach()

interface RawSocket {
  socket: net.Socket
  closed: boolean
  received: string
}

/** A TCP connection that sends `bytes` and then nothing more. */
const sendAndStall = (server: RotaServer, bytes: string): Promise<RawSocket> =>
  new Promise((resolve, reject) => {
    const { port } = new URL(server.url)
    const raw: RawSocket = { socket: net.connect(Number(port), '127.0.0.1'), closed: false, received: '' }
    raw.socket.on('data', (chunk) => (raw.received += chunk.toString()))
    raw.socket.on('close', () => (raw.closed = true))
    raw.socket.on('error', () => undefined)
    raw.socket.once('connect', () => raw.socket.write(bytes, () => resolve(raw)))
    raw.socket.once('error', reject)
    cleanup.push(() => raw.socket.destroy())
  })

const halfHeader = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
const halfUpgrade = 'GET /team/w1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
const halfBody =
  'POST /api/docs/team%2Fw1/update HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n' +
  'Content-Length: 4096\r\n\r\n\u0000\u0000'

const short: Partial<Limits> = {
  headersTimeoutMs: 300,
  requestTimeoutMs: 600,
  keepAliveTimeoutMs: 300,
  maxUnfinishedRequestsPerAddress: 10_000,
}

describe('HTTP connections that never finish a request', () => {
  it('are closed after headersTimeoutMs (half a header) or requestTimeoutMs (half a body)', { timeout: 60_000 }, async () => {
    const server = track(await startTestServer({ limits: short }))
    const sockets = await Promise.all([
      ...Array.from({ length: 40 }, () => sendAndStall(server, halfHeader)),
      ...Array.from({ length: 40 }, () => sendAndStall(server, halfUpgrade)),
      ...Array.from({ length: 40 }, () => sendAndStall(server, halfBody)),
    ])
    // Before: open for 60–90 s (headers) or for good (body).
    await waitFor(() => sockets.every((s) => s.closed), 30_000, 'every stalled connection closed')
    expect(sockets.filter((s) => s.received.startsWith('HTTP/1.1 408')).length).toBeGreaterThan(0)
    // The server still serves.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('closes a keep-alive connection that stays idle for keepAliveTimeoutMs', { timeout: 60_000 }, async () => {
    const server = track(await startTestServer({ limits: short }))
    const raw = await sendAndStall(server, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    await waitFor(() => raw.received.includes('"status":"ok"'), 30_000, 'the answer')
    // Before: fastify kept it for 72 s.
    await waitFor(() => raw.closed, 30_000, 'the idle connection closed')
  })

  it('closes connections over maxUnfinishedRequestsPerAddress at once, and counts them', { timeout: 60_000 }, async () => {
    // Timeouts far away: what closes the extra connection is the cap.
    const server = track(await startTestServer({ limits: { maxUnfinishedRequestsPerAddress: 5, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 } }))
    const held = await Promise.all(Array.from({ length: 5 }, () => sendAndStall(server, halfHeader)))
    const extra = await sendAndStall(server, halfHeader)
    await waitFor(() => extra.closed, 30_000, 'the connection over the cap closed')
    expect(held.every((s) => !s.closed)).toBe(true)
    expect((await server.metrics.httpRefused.get()).values[0]?.value).toBe(1)
    // Finished requests do not count: once those five are gone, requests are served again.
    for (const s of held) s.socket.destroy()
    await waitFor(async () => (await fetch(`${server.url}/healthz`).then((r) => r.status, () => 0)) === 200, 30_000, 'served again')
    for (let i = 0; i < 10; i++) expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })
})
