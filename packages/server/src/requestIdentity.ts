import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Identity, ServerHooks } from './types.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: set by `authenticateRequests` before any route of its plugin runs. */
    identity: Identity
  }
}

/** The request's token: `Authorization: Bearer <jwt>`, else `?token=` (for clients that cannot set headers). */
export const requestToken = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice(7)
  const token = (request.query as Record<string, unknown> | undefined)?.token
  return typeof token === 'string' ? token : undefined
}

/**
 * Authenticates every request of the plugin it is called in (REST, an extension) with `hooks.authenticate`
 * and keeps the result in `request.identity`. Each plugin calls it once: fastify scopes the decoration to the
 * plugin, and the REST routes, the resolver and the rules routes are siblings. Auth errors reach the
 * server's error handler (401 with the hook's code).
 */
export const authenticateRequests = (app: FastifyInstance, hooks: Pick<ServerHooks, 'authenticate'>): void => {
  app.decorateRequest('identity', null as unknown as Identity)
  app.addHook('onRequest', async (request) => {
    request.identity = await hooks.authenticate(requestToken(request))
  })
}
