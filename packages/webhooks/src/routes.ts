import type { FastifyInstance } from 'fastify'
import { errorResponse, type ServerHooks } from '@rota/server'
import { tenantAdmin } from './access.ts'
import type { Endpoints } from './endpoints.ts'
import { eventTypes } from './types.ts'

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse }
const tags = ['webhooks']

const tenantParams = { type: 'object', properties: { tenant: { type: 'string', minLength: 1 } }, required: ['tenant'] } as const
const endpointParams = {
  type: 'object',
  properties: { tenant: tenantParams.properties.tenant, id: { type: 'string', minLength: 1, description: 'An endpoint id (wh_…)' } },
  required: ['tenant', 'id'],
} as const

const nullableString = { type: ['string', 'null'] }

const endpointSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, tenant: { type: 'string' }, url: { type: 'string' },
    events: { type: 'array', items: { type: 'string', enum: [...eventTypes] } },
    description: nullableString, createdAt: { type: 'string' }, createdBy: { type: 'string' },
    enabled: { type: 'boolean' }, disabledAt: nullableString, disabledReason: nullableString,
    consecutiveFailures: { type: 'integer' }, failingSince: nullableString, lastSuccessAt: nullableString, lastFailureAt: nullableString,
  },
  required: ['id', 'tenant', 'url', 'events', 'enabled', 'consecutiveFailures'],
} as const

const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, endpoint: { type: 'string' },
    event: { type: 'object', properties: { id: { type: 'string', description: 'The idempotency id (Rota-Webhook-Id)' }, type: { type: 'string' } } },
    status: { type: 'string', enum: ['pending', 'paused', 'delivered', 'failed'] },
    createdAt: { type: 'string' }, nextAttemptAt: nullableString, deliveredAt: nullableString,
    attemptCount: { type: 'integer', description: 'Attempts made; `attempts` lists the latest 50' },
    attempts: {
      type: 'array',
      items: {
        type: 'object',
        properties: { at: { type: 'string' }, status: { type: ['integer', 'null'] }, ok: { type: 'boolean' }, error: nullableString, ms: { type: 'integer' } },
      },
    },
  },
  required: ['id', 'endpoint', 'event', 'status', 'attempts'],
} as const

/** A tenant's webhook endpoints and their delivery log, for that tenant's admins. */
export const webhookRoutes = (app: FastifyInstance, hooks: ServerHooks, endpoints: Endpoints): void => {
  app.post('/api/teams/:tenant/webhooks', {
    schema: {
      tags, summary: 'Register a webhook endpoint: a URL, the event types it receives, a secret',
      description: `Event types: ${eventTypes.join(', ')}. Without \`secret\` one is made. The secret is answered here only.`,
      params: tenantParams,
      body: {
        type: 'object',
        properties: {
          url: { type: 'string', description: 'An absolute http(s) URL' },
          events: { type: 'array', items: { type: 'string' }, maxItems: 20 },
          secret: { type: 'string', description: '16 to 256 characters; default a new random one' },
          description: { type: 'string', maxLength: 500 },
        },
        required: ['url', 'events'],
        additionalProperties: false,
      },
      response: { 201: { type: 'object', properties: { endpoint: endpointSchema, secret: { type: 'string' } }, required: ['endpoint', 'secret'] }, ...errors },
    },
  }, async (request, reply) => {
    const tenant = tenantAdmin(hooks, request)
    const created = await endpoints.add(tenant, request.body as Record<string, unknown> as { url: unknown; events: unknown }, request.identity.sub)
    request.log.info({ tenant, endpoint: created.endpoint.id, events: created.endpoint.events, actor: request.identity.sub }, 'webhook endpoint added')
    return reply.code(201).send(created)
  })

  app.get('/api/teams/:tenant/webhooks', {
    schema: { tags, summary: 'The tenant\'s webhook endpoints', params: tenantParams, response: { 200: { type: 'object', properties: { endpoints: { type: 'array', items: endpointSchema } }, required: ['endpoints'] }, ...errors } },
  }, async (request) => ({ endpoints: await endpoints.list(tenantAdmin(hooks, request)) }))

  app.get('/api/teams/:tenant/webhooks/:id', {
    schema: { tags, summary: 'One webhook endpoint', params: endpointParams, response: { 200: endpointSchema, ...errors } },
  }, async (request) => endpoints.get(tenantAdmin(hooks, request), (request.params as { id: string }).id))

  app.delete('/api/teams/:tenant/webhooks/:id', {
    schema: {
      tags, summary: 'Remove a webhook endpoint with its delivery log (its pending deliveries are dropped)', params: endpointParams,
      response: { 200: { type: 'object', properties: { removed: { type: 'string' }, pending: { type: 'integer' } }, required: ['removed', 'pending'] }, ...errors },
    },
  }, async (request) => {
    const tenant = tenantAdmin(hooks, request)
    const removed = await endpoints.remove(tenant, (request.params as { id: string }).id)
    request.log.info({ tenant, endpoint: removed.removed, dropped: removed.pending, actor: request.identity.sub }, 'webhook endpoint removed')
    return removed
  })

  app.post('/api/teams/:tenant/webhooks/:id/enable', {
    schema: {
      tags, summary: 'Enable a webhook endpoint again (after it was disabled by failures); its paused deliveries are sent', params: endpointParams,
      response: { 200: { type: 'object', properties: { endpoint: endpointSchema, resumed: { type: 'integer' } }, required: ['endpoint', 'resumed'] }, ...errors },
    },
  }, async (request) => {
    const tenant = tenantAdmin(hooks, request)
    const enabled = await endpoints.enable(tenant, (request.params as { id: string }).id)
    request.log.info({ tenant, endpoint: enabled.endpoint.id, resumed: enabled.resumed, actor: request.identity.sub }, 'webhook endpoint enabled')
    return enabled
  })

  app.get('/api/teams/:tenant/webhooks/:id/deliveries', {
    schema: {
      tags, summary: 'The endpoint\'s delivery log, newest first: each delivery\'s status and attempts', params: endpointParams,
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } },
      response: { 200: { type: 'object', properties: { deliveries: { type: 'array', items: deliverySchema } }, required: ['deliveries'] }, ...errors },
    },
  }, async (request) => {
    const tenant = tenantAdmin(hooks, request)
    const { id } = request.params as { id: string }
    return { deliveries: await endpoints.deliveries(tenant, id, (request.query as { limit: number }).limit) }
  })
}
