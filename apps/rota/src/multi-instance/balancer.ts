/**
 * A round-robin TCP balancer on 127.0.0.1, for tests and benchmarks of several `rota serve` instances: what an
 * ordinary load balancer without affinity does, so that clients of one document land on different instances.
 * Each new connection goes to the next backend in turn; a backend that refuses the connection (a killed
 * instance) is skipped for that connection, and the next one tried. Bytes are piped untouched (HTTP, WebSocket
 * upgrades, frames), so the instances see what they would see behind a layer-4 balancer.
 *
 * `pause()` refuses new connections (closes them on arrival) until `resume()`: a test holds the clients of a
 * killed instance away from the others while it reads the log, so that nothing they re-send can hide a loss.
 */
import net from 'node:net'

export interface Balancer {
  /** The port clients connect to, on 127.0.0.1. */
  readonly port: number
  /** Points backend `index` at another port (its instance restarted there); connections open to it stay. */
  setBackend(index: number, port: number): void
  /** Connections currently open to each backend, in the order of the backend list. */
  connections(): number[]
  /** Connections the balancer has handed to each backend since it started. */
  handed(): number[]
  pause(): void
  resume(): void
  /** Closes the listener and every connection through it. */
  close(): Promise<void>
}

/** Connects to 127.0.0.1:`port`; resolves with the socket once connected, or undefined if it was refused. */
const dial = (port: number): Promise<net.Socket | undefined> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const refused = () => {
      socket.destroy()
      resolve(undefined)
    }
    socket.once('error', refused)
    socket.once('connect', () => {
      socket.off('error', refused)
      resolve(socket)
    })
  })

export const startBalancer = async (initial: readonly number[]): Promise<Balancer> => {
  const backends = [...initial]
  const open = backends.map(() => 0)
  const given = backends.map(() => 0)
  let next = 0
  let paused = false
  const sockets = new Set<net.Socket>()

  /** The next backend in turn that accepts, with its index; undefined when every one refused. */
  const pick = async (): Promise<{ socket: net.Socket; index: number } | undefined> => {
    for (let tried = 0; tried < backends.length; tried++) {
      const index = next++ % backends.length
      const socket = await dial(backends[index]!)
      if (socket !== undefined) return { socket, index }
    }
    return undefined
  }

  const server = net.createServer((client) => {
    sockets.add(client)
    client.on('error', () => client.destroy())
    client.once('close', () => sockets.delete(client))
    if (paused) {
      client.destroy()
      return
    }
    // Hold what the client sends until the backend is connected; pipe() resumes it.
    client.pause()
    void pick().then((picked) => {
      if (picked === undefined || client.destroyed) {
        picked?.socket.destroy()
        client.destroy()
        return
      }
      const { socket: upstream, index } = picked
      open[index]! += 1
      given[index]! += 1
      sockets.add(upstream)
      client.setNoDelay(true)
      upstream.setNoDelay(true)
      upstream.on('error', () => upstream.destroy())
      // Either side closing (a killed instance, a client leaving) closes the other: the client sees its server go.
      let closed = false
      const closeBoth = () => {
        if (closed) return
        closed = true
        open[index]! -= 1
        client.destroy()
        upstream.destroy()
        sockets.delete(upstream)
      }
      client.once('close', closeBoth)
      upstream.once('close', closeBoth)
      client.pipe(upstream)
      upstream.pipe(client)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as net.AddressInfo).port,
    setBackend: (index, port) => {
      if (!(index >= 0 && index < backends.length)) throw new RangeError(`no backend ${index}`)
      backends[index] = port
    },
    connections: () => [...open],
    handed: () => [...given],
    pause: () => {
      paused = true
    },
    resume: () => {
      paused = false
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
