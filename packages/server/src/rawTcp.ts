/** For tests: requests and frames no client library sends, written to a TCP socket by hand. */
import net from 'node:net'
import type { RotaServer } from './types.ts'

/** Sends `bytes` on a fresh TCP connection and collects the answer until the server closes it (or `ms` pass). */
export const rawExchange = (server: RotaServer, bytes: string | Buffer, ms = 10_000): Promise<string> =>
  new Promise((resolve) => {
    const { port } = new URL(server.url)
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(bytes))
    let answer = ''
    const timer = setTimeout(() => socket.destroy(), ms)
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(answer)
    })
  })

/** The HTTP request that opens a WebSocket on `path` (`extensions`: e.g. `permessage-deflate`). */
export const upgradeRequest = (path: string, extensions?: string): string =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
  (extensions === undefined ? '' : `Sec-WebSocket-Extensions: ${extensions}\r\n`) +
  '\r\n'

/** Opens a WebSocket by hand, then sends `frame` (raw bytes, client framing is up to the caller); resolves when the server closes. */
export const upgradeAndSend = (server: RotaServer, path: string, frame: Buffer, extensions?: string): Promise<string> =>
  new Promise((resolve) => {
    const { port } = new URL(server.url)
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(upgradeRequest(path, extensions)))
    let answer = ''
    let sent = false
    const timer = setTimeout(() => socket.destroy(), 10_000)
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1')
      if (!sent && answer.includes('\r\n\r\n')) {
        sent = true
        socket.write(frame)
      }
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(answer)
    })
  })
