import type { FastifyInstance } from 'fastify'
import type { Access } from '../access.ts'
import type { PublishContext } from '../context.ts'
import { PublishError, PublishErrorCode } from '../errors.ts'
import { publishedView } from '../published.ts'
import { preview, publish } from '../publisher.ts'
import { parseRange } from '../range.ts'
import { docParams, errors, previewSchema, publicationParams, publicationSchema, rangeQuery, receiptSchema, segmentSchema, shiftSchema } from '../schemas.ts'
import type { Publication } from '../types.ts'

const tags = ['publishing']

/** The publishing routes of one document: publish, list, one publication and its receipts, preview, the published view. */
export const publicationRoutes = (app: FastifyInstance, ctx: PublishContext, access: Access, published: (doc: string) => void): void => {
  const one = async (doc: string, id: string): Promise<Publication> => {
    const found = await ctx.publications.get(doc, id)
    if (found === undefined) throw new PublishError(PublishErrorCode.NotFound, 'no such publication', { doc, id })
    return found
  }

  app.post('/api/docs/:doc/publications', {
    schema: {
      tags, summary: 'Publish a date range: its state now (or at the previewed seq) is what its people are told',
      description: 'Needs the team\'s role rule `publish` (default manager). With open conflicts in the range: 409 `ROTA_PUBLISH_NEEDS_CONFIRMATION` unless `confirm` is true.',
      params: docParams,
      body: {
        type: 'object',
        properties: {
          from: rangeQuery.properties.from, to: rangeQuery.properties.to,
          note: { type: 'string', maxLength: 2000 },
          seq: { type: 'integer', minimum: 0, description: 'Publish the state at this seq (the preview\'s), not the head' },
          confirm: { type: 'boolean', description: 'Publish although conflicts in the range are open' },
        },
        required: ['from', 'to'],
        additionalProperties: false,
      },
      response: { 200: { type: 'object', properties: { publication: publicationSchema, receipts: { type: 'array', items: receiptSchema } }, required: ['publication', 'receipts'] }, ...errors },
    },
  }, async (request) => {
    const doc = access.publishable(request)
    const body = request.body as { from: string; to: string; note?: string; seq?: number; confirm?: boolean }
    const result = await publish(ctx, doc, request.identity, {
      range: parseRange(body.from, body.to),
      ...(body.note === undefined ? {} : { note: body.note }),
      ...(body.seq === undefined ? {} : { seq: body.seq }),
      ...(body.confirm === undefined ? {} : { confirm: body.confirm }),
    })
    published(doc)
    request.log.info({ doc, publication: result.publication.id, seq: result.publication.seq, actor: request.identity.sub }, 'published')
    return result
  })

  app.get('/api/docs/:doc/publications', {
    schema: {
      tags, summary: 'The document\'s publications, newest first', params: docParams,
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } },
      response: { 200: { type: 'object', properties: { publications: { type: 'array', items: publicationSchema } }, required: ['publications'] }, ...errors },
    },
  }, async (request) => ({ publications: await ctx.publications.list(access.readable(request), (request.query as { limit: number }).limit) }))

  app.get('/api/docs/:doc/publications/preview', {
    schema: {
      tags, summary: 'What publishing the range now would change per person, with open conflicts and rule violations in it',
      params: docParams, querystring: rangeQuery, response: { 200: previewSchema, ...errors },
    },
  }, async (request) => {
    const doc = access.publishable(request)
    const q = request.query as { from: string; to: string }
    return preview(ctx, doc, parseRange(q.from, q.to))
  })

  app.get('/api/docs/:doc/publications/:id', {
    schema: { tags, summary: 'One publication', params: publicationParams, response: { 200: publicationSchema, ...errors } },
  }, async (request) => one(access.readable(request), (request.params as { id: string }).id))

  app.get('/api/docs/:doc/publications/:id/receipts', {
    schema: {
      tags, summary: 'Every person\'s changes at one publication (those who may publish)', params: publicationParams,
      response: { 200: { type: 'object', properties: { receipts: { type: 'array', items: receiptSchema } }, required: ['receipts'] }, ...errors },
    },
  }, async (request) => {
    const doc = access.publishable(request)
    const found = await one(doc, (request.params as { id: string }).id)
    return { receipts: await ctx.publications.receiptsOf(doc, found.id) }
  })

  app.get('/api/docs/:doc/published', {
    schema: {
      tags, summary: 'The published schedule of a range: each date as the newest publication covering it published it',
      params: docParams, querystring: rangeQuery,
      response: {
        200: {
          type: 'object',
          properties: {
            doc: { type: 'string' }, range: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } },
            shifts: { type: 'object', additionalProperties: shiftSchema },
            staff: { type: 'object', additionalProperties: true },
            segments: { type: 'array', items: segmentSchema },
          },
          required: ['doc', 'range', 'shifts', 'staff', 'segments'],
        },
        ...errors,
      },
    },
  }, async (request) => {
    const doc = access.readable(request)
    const q = request.query as { from: string; to: string }
    return { doc, ...(await publishedView(ctx.log, doc, await ctx.publications.list(doc), parseRange(q.from, q.to))) }
  })
}
