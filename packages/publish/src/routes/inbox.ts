import type { FastifyInstance } from 'fastify'
import type { Access } from '../access.ts'
import type { PublishContext } from '../context.ts'
import { errors, inboxItemSchema } from '../schemas.ts'

const tags = ['inbox']

/** The caller's inbox (their tenant, their `staffId`): list, unread count, mark read. */
export const inboxRoutes = (app: FastifyInstance, ctx: PublishContext, access: Access): void => {
  app.get('/api/inbox', {
    schema: {
      tags, summary: 'The caller\'s inbox, newest first',
      querystring: { type: 'object', properties: { unread: { type: 'boolean', default: false }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: inboxItemSchema }, unread: { type: 'integer' } }, required: ['items', 'unread'] }, ...errors },
    },
  }, async (request) => {
    const { tenant, staff } = access.person(request)
    const q = request.query as { unread: boolean; limit: number }
    const [items, unread] = await Promise.all([ctx.inbox.list(tenant, staff, q), ctx.inbox.unreadCount(tenant, staff)])
    return { items, unread }
  })

  app.get('/api/inbox/unread-count', {
    schema: { tags, summary: 'How many of the caller\'s inbox items are unread', response: { 200: { type: 'object', properties: { unread: { type: 'integer' } }, required: ['unread'] }, ...errors } },
  }, async (request) => {
    const { tenant, staff } = access.person(request)
    return { unread: await ctx.inbox.unreadCount(tenant, staff) }
  })

  app.post('/api/inbox/read', {
    schema: {
      tags, summary: 'Mark inbox items read: the ids given, or all',
      body: {
        type: 'object',
        properties: { ids: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 500 }, all: { type: 'boolean' } },
        additionalProperties: false,
      },
      response: { 200: { type: 'object', properties: { marked: { type: 'integer' }, unread: { type: 'integer' } }, required: ['marked', 'unread'] }, ...errors },
    },
  }, async (request) => {
    const { tenant, staff } = access.person(request)
    const body = request.body as { ids?: string[]; all?: boolean }
    const marked = await ctx.inbox.markRead(tenant, staff, body.all === true ? 'all' : (body.ids ?? []))
    return { marked, unread: await ctx.inbox.unreadCount(tenant, staff) }
  })
}
