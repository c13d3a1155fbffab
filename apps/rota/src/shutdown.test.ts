import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { spawnServe, type ServeProcess } from './testing.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const start = async (): Promise<{ dir: string; server: ServeProcess }> => {
  const dir = await mkdtemp(join(tmpdir(), 'rota-shutdown-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  const server = await spawnServe(dir)
  cleanup.push(() => server.child.kill('SIGKILL'))
  return { dir, server }
}

/** A TCP connection that sends `bytes` and then neither sends nor reads anything. */
const stall = (server: ServeProcess, bytes: string): Promise<net.Socket> =>
  new Promise((resolve) => {
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1', () => socket.write(bytes, () => resolve(socket)))
    socket.on('error', () => undefined)
    cleanup.push(() => socket.destroy())
  })

/** A WebSocket viewer that stops reading once it is open. */
const stalledViewer = (server: ServeProcess, doc: string): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.wsUrl}/${doc}`, { perMessageDeflate: false })
    ws.on('error', () => undefined)
    ws.once('open', () => {
      ;(ws as unknown as { _socket: net.Socket })._socket.pause()
      resolve(ws)
    })
    ws.once('error', reject)
    cleanup.push(() => ws.terminate())
  })

/** Waits for the process to exit, at most `ms` (a bound, far above the documented shutdown time). */
const exitWithin = async (server: ServeProcess, ms: number): Promise<number | null | 'still running'> =>
  Promise.race([server.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms))])

const patch = (server: ServeProcess, doc: string, i: number) =>
  fetch(`${server.url}/api/docs/${encodeURIComponent(doc)}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ops: [{ op: 'set', path: `staff.s${i}`, value: { name: `Staff ${i}`, role: 'nurse' } }] }),
  })

const upgrade = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'

describe('rota serve shuts down on SIGTERM, whatever its clients did', () => {
  it('under load, with stalled readers and half-sent requests: exits 0 and keeps every acknowledged write', { timeout: 180_000 }, async () => {
    const { dir, server } = await start()
    const doc = 'load/a'
    expect((await patch(server, doc, 0)).status).toBe(200)
    const viewers = await Promise.all(Array.from({ length: 20 }, () => stalledViewer(server, doc)))
    await Promise.all([
      ...Array.from({ length: 20 }, () => stall(server, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')),
      ...Array.from({ length: 20 }, () =>
        stall(server, `PATCH /api/docs/load%2Fa HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999\r\n\r\n{"ops":`),
      ),
    ])
    // Writers keep going until the server stops answering; every 200 is an acknowledged, durable write.
    let acked = 0
    let running = true
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 1; running && i < 2000; i++) {
        const ok = await patch(server, doc, w * 10_000 + i).then((r) => r.status === 200, () => false)
        if (!ok) break
        acked += 1
      }
    })
    while (acked < 40) await new Promise((r) => setTimeout(r, 20))

    const sent = Date.now()
    server.child.kill('SIGTERM')
    // Before: 83 s once, never another time.
    const code = await exitWithin(server, 60_000)
    console.warn(`exited with ${code} ${Date.now() - sent} ms after SIGTERM (${acked} writes acknowledged, ${viewers.length} stalled viewers)`)
    running = false
    await Promise.all(writers)
    expect(code).toBe(0)

    const again = await spawnServe(dir)
    cleanup.push(() => again.child.kill('SIGKILL'))
    const read = await (await fetch(`${again.url}/api/docs/${encodeURIComponent(doc)}`)).json()
    // The seed plus every acknowledged write.
    expect(read.seq).toBeGreaterThanOrEqual(1 + acked)
    again.child.kill('SIGTERM')
    expect(await exitWithin(again, 60_000)).toBe(0)
  })

  it('after a WebSocket upgrade with a malformed URL: exits 0', { timeout: 120_000 }, async () => {
    const { server } = await start()
    const socket = await stall(server, upgrade('/acme/%ZZ'))
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')))
    // The upgrade is answered before the signal.
    const deadline = Date.now() + 30_000
    while (answer === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    server.child.kill('SIGTERM')
    // Before: exit code 13 (the shutdown promise never settled: fastify waited for that socket).
    expect(await exitWithin(server, 60_000)).toBe(0)
    // Now the upgrade completes and closes with 4400 (before: a bare HTTP 400).
    expect(answer).toMatch(/^HTTP\/1\.1 101/)
  })
})
