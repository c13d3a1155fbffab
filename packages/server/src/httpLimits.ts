import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Limits } from './types.ts'

/**
 * fastify's server options for the HTTP timeouts. Node's defaults let a client that sends half a header wait
 * 60 s (checked only every 30 s), fastify turns the request timeout off, and keeps idle keep-alive sockets for
 * 72 s: a few hundred such sockets per address stayed open for minutes. WebSockets are not affected: ws
 * clears the socket timeout on upgrade and has its own pings.
 */
export const httpServerOptions = (limits: Limits) => ({
  connectionTimeout: limits.connectionTimeoutMs,
  keepAliveTimeout: limits.keepAliveTimeoutMs,
  requestTimeout: limits.requestTimeoutMs,
  http: {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node enforces the two timeouts above only when it sweeps its connections (every 30 s by default).
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  },
})

/**
 * Caps, per remote address, the HTTP connections with a request in progress or none sent yet. The timeouts
 * bound how long each may last; this bounds how many one address holds at a time (sockets, parsers, buffers).
 * A connection over the cap is closed at once. Idle keep-alive connections and WebSockets (which have their
 * own `maxConnectionsPerAddress`) are not counted.
 */
export const capUnfinishedRequests = (server: Server, max: number, refused: (address: string) => void): void => {
  const perAddress = new Map<string, number>()
  const counted = new WeakMap<Socket, string>()
  const begin = (socket: Socket): void => {
    if (counted.has(socket)) return
    const address = socket.remoteAddress ?? 'unknown'
    counted.set(socket, address)
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1)
  }
  const end = (socket: Socket): void => {
    const address = counted.get(socket)
    if (address === undefined) return
    counted.delete(socket)
    const left = (perAddress.get(address) ?? 1) - 1
    if (left > 0) perAddress.set(address, left)
    else perAddress.delete(address)
  }
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown'
    if ((perAddress.get(address) ?? 0) >= max) {
      refused(address)
      socket.destroy()
      return
    }
    begin(socket)
    socket.once('close', () => end(socket))
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    begin(req.socket)
    res.once('close', () => end(req.socket))
  })
  server.on('upgrade', (req: IncomingMessage) => end(req.socket))
}
