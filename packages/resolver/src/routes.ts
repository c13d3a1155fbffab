/**
 * The conflicts API (docs/resolver.md): list, read, resolve and dismiss a document's conflicts, and a team's
 * resolver settings. The HTTP plumbing is the server's (`ExtensionContext.http`): the caller's identity, the
 * document name read exactly as the sync endpoint reads it, errors in the server's shape. Who may do what is
 * the auth hooks' answer: `canRead` for the document, `canAdmin(…, 'conflicts')` to decide, `canAdmin(…,
 * 'settings')` for the team's settings, `authorizeOps` for the ops of the option chosen.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { docParam, docParams, errorResponse, type ExtensionContext, type Identity } from '@rota/server'
import { ResolverError, ResolverErrorCode, isResolverError } from './errors.ts'
import type { Resolver } from './resolver.ts'
import { conflictKinds, conflictStatuses } from './types.ts'

const opSchema = { type: 'object', properties: { op: { type: 'string' }, path: { type: 'string' }, value: {} }, required: ['op', 'path'] } as const
const conflictSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...conflictKinds] },
    refs: {
      type: 'object',
      properties: {
        shifts: { type: 'array', items: { type: 'string' } },
        staff: { type: 'array', items: { type: 'string' } },
        paths: { type: 'array', items: { type: 'string' } },
        coverage: {
          anyOf: [{ type: 'null' }, { type: 'object', properties: { role: { type: 'string' }, date: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' } } }],
        },
      },
    },
    edits: {
      type: 'array',
      items: { type: 'object', properties: { editorId: { type: 'string' }, role: { type: 'string' }, clientTime: { type: 'string' }, receivedAt: { type: 'string' } } },
    },
    options: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' }, keeps: { type: 'array', items: { type: 'string' } }, label: { type: 'string' }, ops: { type: 'array', items: opSchema } } },
    },
    suggestion: { type: 'object', properties: { optionId: { type: 'string' }, confidence: { type: 'number' }, strategy: { type: 'string' } } },
    status: { type: 'string', enum: [...conflictStatuses] },
    appliedOptionId: { type: ['string', 'null'] },
    detectedAt: { type: 'string' },
    resolvedAt: { type: ['string', 'null'] },
    resolvedBy: { type: ['string', 'null'] },
  },
} as const

const conflictParams = { type: 'object', properties: { doc: docParam, id: { type: 'string', minLength: 1 } }, required: ['doc', 'id'] } as const
const teamParams = { type: 'object', properties: { team: { type: 'string', minLength: 1 } } } as const
const settingsSchema = {
  type: 'object',
  properties: { team: { type: 'string' }, threshold: { type: 'number' }, alwaysAsk: { type: 'array', items: { type: 'string' } } },
} as const
const replies = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse, 422: errorResponse }

/** Registers the conflicts API on the resolver extension's plugin. */
export const conflictRoutes = (app: FastifyInstance, resolver: Resolver, { rooms, hooks, http }: ExtensionContext): void => {
  http.authenticate(app)
  // Resolver errors with their own status; fastify's refusals of a request as ROTA_RESOLVER_BAD_INPUT (docs/resolver.md).
  http.handleErrors(app, { isOwn: isResolverError, badInput: ResolverErrorCode.BadInput })

  const readable = (request: FastifyRequest): string =>
    http.readableDoc(request, (doc) => new ResolverError(ResolverErrorCode.Forbidden, 'not allowed to read this document', { doc }))
  const decider = (request: FastifyRequest): { doc: string; who: Identity } => {
    const doc = readable(request)
    const who = request.identity
    if (!hooks.canAdmin(who, 'conflicts')) throw new ResolverError(ResolverErrorCode.Forbidden, `a ${who.role} may not decide conflicts`, { role: who.role })
    return { doc, who }
  }
  const teamAdmin = (request: FastifyRequest): string => {
    const team = (request.params as { team: string }).team
    const who = request.identity
    if (!hooks.canAdmin(who, 'settings') || (who.tenant !== null && who.tenant !== team)) {
      throw new ResolverError(ResolverErrorCode.Forbidden, 'not allowed to change this team\'s resolver settings', { team })
    }
    return team
  }

  app.get('/api/docs/:doc/conflicts', {
    schema: {
      tags: ['conflicts'],
      params: docParams,
      querystring: { type: 'object', properties: { status: { type: 'string', enum: [...conflictStatuses, 'all'] } } },
      response: { 200: { type: 'object', properties: { conflicts: { type: 'array', items: conflictSchema } } }, ...replies },
    },
  }, async (request) => {
    const doc = readable(request)
    const { status } = request.query as { status?: 'all' }
    return { conflicts: await resolver.list(doc, status ?? 'open') }
  })

  app.get('/api/docs/:doc/conflicts/:id', {
    schema: { tags: ['conflicts'], params: conflictParams, response: { 200: conflictSchema, ...replies } },
  }, async (request) => resolver.get(readable(request), (request.params as { id: string }).id))

  app.post('/api/docs/:doc/conflicts/:id/resolve', {
    schema: {
      tags: ['conflicts'], params: conflictParams,
      body: { type: 'object', properties: { optionId: { type: 'string', minLength: 1 } }, required: ['optionId'] },
      response: { 200: conflictSchema, ...replies },
    },
  }, async (request) => {
    const { doc, who } = decider(request)
    const { id } = request.params as { id: string }
    const { optionId } = request.body as { optionId: string }
    // The auth policy decides on the option's ops like on any other edit by this person.
    const option = (await resolver.get(doc, id)).options.find((o) => o.id === optionId)
    const decision = option ? hooks.authorizeOps(who, await rooms.getDoc(doc), option.ops) : { ok: true as const }
    if (!decision.ok) throw new ResolverError(ResolverErrorCode.Forbidden, decision.reason, { optionId })
    return resolver.resolve(doc, id, optionId, who.sub)
  })

  app.post('/api/docs/:doc/conflicts/:id/dismiss', {
    schema: { tags: ['conflicts'], params: conflictParams, response: { 200: conflictSchema, ...replies } },
  }, async (request) => {
    const { doc, who } = decider(request)
    return resolver.dismiss(doc, (request.params as { id: string }).id, who.sub)
  })

  app.get('/api/teams/:team/resolver-settings', {
    schema: { tags: ['conflicts'], params: teamParams, response: { 200: settingsSchema, ...replies } },
  }, async (request) => {
    const team = teamAdmin(request)
    return { team, ...(await resolver.settings(team)) }
  })
  app.put('/api/teams/:team/resolver-settings', {
    schema: { tags: ['conflicts'], params: teamParams, response: { 200: settingsSchema, ...replies } },
  }, async (request) => {
    const team = teamAdmin(request)
    return { team, ...(await resolver.updateSettings(team, request.body as never)) }
  })
}
