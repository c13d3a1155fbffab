import type { FastifyInstance } from 'fastify'
import { CloseCode } from '@rota/protocol'
import { closeWithin } from './closing.ts'
import type { RoomRegistry } from './rooms.ts'
import type { OpenSockets } from './sockets.ts'

export interface ShutdownParts {
  app: FastifyInstance
  rooms: RoomRegistry
  sockets: OpenSockets
  /** How long connections get to close by themselves before they are destroyed. */
  closeTimeoutMs: number
  stopAccepting(): void
}

const reason = 'server shutting down'

/**
 * Stops the server within `closeTimeoutMs` plus the appends in flight, whatever the clients do: WebSockets get
 * 1001 and that long to answer it, idle HTTP connections are closed at once, requests in progress get the same
 * grace; then every socket still open is destroyed (a peer that stopped reading, half-sent requests, an
 * upgrade answered with an HTTP error), so fastify's close, which waits for all of them, cannot hang.
 */
export const shutdown = async ({ app, rooms, sockets, closeTimeoutMs, stopAccepting }: ShutdownParts): Promise<void> => {
  stopAccepting()
  await rooms.close(CloseCode.GoingAway, reason)
  // Connections still authenticating are in no room yet.
  for (const client of app.websocketServer.clients) closeWithin(client, CloseCode.GoingAway, reason, closeTimeoutMs)
  app.websocketServer.close()
  app.server.closeIdleConnections()
  const destroyed = await sockets.drain(closeTimeoutMs)
  if (destroyed > 0) app.log.info({ sockets: destroyed, closeTimeoutMs }, 'destroyed connections that did not close in time')
  await app.close()
  // A request answered during the grace period may have started an append (a REST write): it is durable too.
  await rooms.close(CloseCode.GoingAway, reason)
}
