import type { FastifyPluginAsync, RouteHandlerMethod } from 'fastify'
import type { WebSocket } from 'ws'
import { CloseCode } from '@rota/protocol'
import { Connection, readConnectionParams, type ConnectionContext } from '../connection.ts'
import { docNameFromUrl } from '../docName.ts'
import { ServerErrorCode, codeOf } from '../errors.ts'

export interface SyncPluginOptions {
  context: ConnectionContext
  /** Answers plain HTTP requests on the same wildcard route (the web app), 404 otherwise. */
  httpHandler?: RouteHandlerMethod
}

/**
 * The y-websocket endpoint: `ws://host:port/<docName>` for any path the other plugins do
 * not claim. Refusals before the connection exists (bad name, too many connections from an
 * address) still upgrade, so the client gets a close code and a reason rather than a bare HTTP error.
 */
export const syncPlugin: FastifyPluginAsync<SyncPluginOptions> = async (app, { context, httpHandler }) => {
  const perAddress = new Map<string, number>()

  const reject = (socket: WebSocket, code: number, reason: string, rejected: string) => {
    context.metrics.rejected.inc({ reason: rejected })
    socket.close(code, reason)
  }

  app.route({
    method: 'GET',
    url: '/*',
    schema: { hide: true },
    handler: httpHandler ?? ((_request, reply) => reply.code(404).send()),
    wsHandler: (socket, request) => {
      const address = request.socket.remoteAddress ?? 'unknown'
      let doc
      try {
        doc = docNameFromUrl(request.url, context.limits.maxDocNameLength)
      } catch (err) {
        reject(socket, CloseCode.BadDocumentName, (err as Error).message, codeOf(err) ?? ServerErrorCode.BadDocName)
        return
      }
      // Authentication may be slow (a JWKS fetch, a hung hook): bound how many sockets wait on it.
      if (context.authenticating.size >= context.limits.maxPendingAuth) {
        reject(socket, CloseCode.RateLimited, 'too many connections awaiting authentication', ServerErrorCode.TooManyConnections)
        return
      }
      const open = perAddress.get(address) ?? 0
      if (open >= context.limits.maxConnectionsPerAddress) {
        reject(socket, CloseCode.TooManyDocuments, 'too many connections from this address', ServerErrorCode.TooManyConnections)
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
