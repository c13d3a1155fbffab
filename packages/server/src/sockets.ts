import type { Server } from 'node:http'
import type { Socket } from 'node:net'

export interface OpenSockets {
  readonly size: number
  /**
   * Waits until every socket has closed, at most `timeoutMs`, then destroys those still open; resolves with
   * how many that were.
   */
  drain(timeoutMs: number): Promise<number>
}

/**
 * Every TCP socket the HTTP server accepted that is still open: HTTP requests, WebSockets, and upgrades or
 * requests that never completed. `server.close()` waits for all of them, and fastify's own connection
 * closing knows only HTTP ones; a WebSocket whose peer stopped reading, or a socket whose upgrade was
 * answered with an HTTP error, kept a shutdown waiting for ever. Destroying what is left after a grace
 * period bounds it.
 */
export const trackSockets = (server: Server): OpenSockets => {
  const open = new Set<Socket>()
  let settled: (() => void) | undefined
  server.on('connection', (socket: Socket) => {
    open.add(socket)
    socket.once('close', () => {
      open.delete(socket)
      if (open.size === 0) settled?.()
    })
  })
  return {
    get size() {
      return open.size
    },
    async drain(timeoutMs) {
      if (open.size > 0) {
        let timer: NodeJS.Timeout | undefined
        await new Promise<void>((resolve) => {
          settled = resolve
          timer = setTimeout(resolve, timeoutMs)
        })
        clearTimeout(timer)
        settled = undefined
      }
      const left = open.size
      for (const socket of open) socket.destroy()
      return left
    },
  }
}
