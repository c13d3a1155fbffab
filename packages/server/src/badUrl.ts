import type { IncomingMessage } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ServerErrorCode } from './errors.ts'

const isUpgrade = (req: IncomingMessage): boolean => req.headers.upgrade?.toLowerCase() === 'websocket'

const decodes = (path: string): boolean => {
  try {
    decodeURIComponent(path)
    return true
  } catch {
    return false
  }
}

/**
 * fastify's `rewriteUrl`. fastify's router answers a path that does not percent-decode (`/acme/%ZZ`, a lone
 * surrogate `%ED%A0%80`) with a bare HTTP 400 before any route runs; on a WebSocket upgrade that means no
 * close code, the 4400 the protocol documents, and a socket nobody owns (a shutdown then waits for it
 * forever). Such upgrades are routed to `/`, the sync route, which reads `request.originalUrl`, refuses the
 * name and closes with 4400 like any other bad name. Other requests keep their URL (see `frameworkErrors`).
 */
export const rewriteUrl = (req: IncomingMessage): string => {
  const url = req.url ?? '/'
  if (!isUpgrade(req) || decodes(url.split('?')[0] ?? '')) return url
  return '/'
}

/**
 * fastify's `frameworkErrors`: URLs the router refuses get the server's error shape (never the URL itself,
 * which may carry a token). A path segment too long for the router is a document name over the limit.
 */
export const frameworkErrors = (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
  const inDocs = request.raw.url?.startsWith('/api/docs/') === true
  const [status, code, message] =
    err.code === 'FST_ERR_BAD_URL'
      ? [400, inDocs ? ServerErrorCode.BadDocName : ServerErrorCode.BadRequest, 'the URL is not valid percent-encoding']
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? [400, ServerErrorCode.BadDocName, 'document name is too long']
        : [err.statusCode ?? 500, ServerErrorCode.BadRequest, err.message]
  // An upgrade that ends up here has no WebSocket to close: free its socket once answered.
  if (isUpgrade(request.raw)) reply.raw.once('finish', () => request.raw.socket.destroy())
  void reply.code(status).send({ error: { code, message, details: { fastify: err.code } } })
}
