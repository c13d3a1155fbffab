import type { FastifyPluginAsync, RouteHandlerMethod } from 'fastify'
import type { WebSocket } from 'ws'
import { CloseCode } from '@rota/protocol'
import { closeWithin } from '../closing.ts'
import { Connection, readConnectionParams, type ConnectionContext } from '../connection.ts'
import { docNameFromUrl } from '../docName.ts'
import { ServerErrorCode, codeOf } from '../errors.ts'

export interface SyncPluginOptions {
  context: ConnectionContext
  /** Answers plain HTTP requests on the same wildcard route (the web app), the JSON 404 otherwise. */
  httpHandler?: RouteHandlerMethod
}

/**
 * The y-websocket endpoint: `ws://host:port/<docName>` for any path the other plugins do
 * not claim. Refusals before the connection exists (bad name, too many connections from an
 * address) still upgrade, so the client gets a close code and a reason rather than a bare HTTP error.
 */
export const syncPlugin: FastifyPluginAsync<SyncPluginOptions> = async (app, { context, httpHandler }) => {
  const perAddress = new Map<string, number>()

  const reject = (socket: WebSocket, address: string, code: number, reason: string, rejected: string) => {
    context.metrics.rejected.inc({ reason: rejected })
    context.clientLog(address, { code: rejected, reason }, 'connection refused')
    closeWithin(socket, code, reason, context.limits.closeTimeoutMs)
  }

  app.route({
    method: 'GET',
    url: '/*',
    schema: { hide: true },
    // Without a web app, a plain GET here is the server's JSON 404, like any path no route claims.
    handler: httpHandler ?? ((_request, reply) => reply.callNotFound()),
    wsHandler: (socket, request) => {
      const address = request.socket.remoteAddress ?? 'unknown'
      let doc
      try {
        // The URL as the client sent it: one that does not decode was routed here as `/` (badUrl.ts).
        doc = docNameFromUrl(request.originalUrl, context.limits.maxDocNameLength)
      } catch (err) {
        reject(socket, address, CloseCode.BadDocumentName, (err as Error).message, codeOf(err) ?? ServerErrorCode.BadDocName)
        return
      }
      // Authentication may be slow (a JWKS fetch, a hung hook): bound how many sockets wait on it.
      if (context.authenticating.size >= context.limits.maxPendingAuth) {
        reject(socket, address, CloseCode.RateLimited, 'too many connections awaiting authentication', ServerErrorCode.TooManyConnections)
        return
      }
      const open = perAddress.get(address) ?? 0
      if (open >= context.limits.maxConnectionsPerAddress) {
        reject(socket, address, CloseCode.TooManyConnections, 'too many connections from this address', ServerErrorCode.TooManyConnections)
        return
      }
      perAddress.set(address, open + 1)
      socket.once('close', () => {
        const left = (perAddress.get(address) ?? 1) - 1
        if (left > 0) perAddress.set(address, left)
        else perAddress.delete(address)
      })
      const search = new URL(request.url, 'http://localhost').searchParams
      new Connection(socket, request.socket, readConnectionParams(doc, search), context)
    },
  })
}
