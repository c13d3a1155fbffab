import net from 'node:net'

/** Bytes that crossed a proxy: `up` client → server, `down` server → client. */
interface ByteCount { up: number; down: number }

export interface CountingProxy {
  /** Port on 127.0.0.1 that clients connect to. */
  readonly port: number
  /** Bytes since the last reset, over every connection. */
  count(): ByteCount
  reset(): void
  /** Points new connections at another server port (after a server restart). */
  retarget(port: number): void
  /** Connections currently open through the proxy. */
  connections(): number
  close(): Promise<void>
}

/**
 * A TCP proxy on 127.0.0.1 that counts the bytes in each direction. Every system is measured through one, so the
 * figures include WebSocket framing, handshakes and permessage-deflate exactly as they cross a real network.
 */
export const startCountingProxy = async (targetPort: number): Promise<CountingProxy> => {
  let target = targetPort
  let up = 0
  let down = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    client.setNoDelay(true)
    const upstream = net.connect({ host: '127.0.0.1', port: target })
    upstream.setNoDelay(true)
    sockets.add(client)
    sockets.add(upstream)
    client.on('data', (chunk: Buffer) => {
      up += chunk.length
      if (!upstream.write(chunk)) client.pause()
    })
    upstream.on('drain', () => client.resume())
    upstream.on('data', (chunk: Buffer) => {
      down += chunk.length
      if (!client.write(chunk)) upstream.pause()
    })
    client.on('drain', () => upstream.resume())
    const closeBoth = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('close', closeBoth)
    upstream.on('close', closeBoth)
    client.on('error', closeBoth)
    upstream.on('error', closeBoth)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    count: () => ({ up, down }),
    reset: () => {
      up = 0
      down = 0
    },
    retarget: (next) => {
      target = next
    },
    connections: () => sockets.size / 2,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A port that was free a moment ago (for servers that cannot listen on port 0 and report it). */
export const findFreePort = async (): Promise<number> => {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
