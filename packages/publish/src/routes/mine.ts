import type { FastifyInstance } from 'fastify'
import { shiftsOf, type ScheduleJSON } from '@rota/model'
import type { Access } from '../access.ts'
import type { PublishContext } from '../context.ts'
import { publishedView } from '../published.ts'
import { parseRange } from '../range.ts'
import { docParams, errors, rangeQuery, receiptSchema, segmentSchema, shiftSchema } from '../schemas.ts'

/**
 * "My shifts": a staff token's own published shifts of a range (what it was told, not the live document)
 * and its receipts, newest first. The staff id is the token's `staffId` claim, never a parameter.
 */
export const mineRoutes = (app: FastifyInstance, ctx: PublishContext, access: Access): void => {
  app.get('/api/docs/:doc/my-shifts', {
    schema: {
      tags: ['publishing'], summary: 'The caller\'s published shifts of a range and what changed for them at each publication',
      description: 'Needs a token with a `staffId` claim (403 `ROTA_PUBLISH_NOT_STAFF` otherwise).',
      params: docParams,
      querystring: { ...rangeQuery, properties: { ...rangeQuery.properties, receipts: { type: 'integer', minimum: 0, maximum: 200, default: 20, description: 'How many receipts, newest first' } } },
      response: {
        200: {
          type: 'object',
          properties: {
            doc: { type: 'string' },
            staff: { type: 'string' },
            shifts: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, shift: shiftSchema }, required: ['id', 'shift'] } },
            segments: { type: 'array', items: segmentSchema },
            receipts: { type: 'array', items: receiptSchema },
          },
          required: ['doc', 'staff', 'shifts', 'segments', 'receipts'],
        },
        ...errors,
      },
    },
  }, async (request) => {
    const doc = access.readable(request)
    const { staff } = access.person(request)
    const q = request.query as { from: string; to: string; receipts: number }
    const range = parseRange(q.from, q.to)
    const view = await publishedView(ctx.log, doc, await ctx.publications.list(doc), range)
    const schedule = { shifts: view.shifts } as Pick<ScheduleJSON, 'shifts'> as ScheduleJSON
    return {
      doc,
      staff,
      shifts: shiftsOf(schedule, staff, range).map((t) => ({ id: t.id, shift: t.shift })),
      segments: view.segments,
      receipts: await ctx.publications.receiptsFor(doc, staff, q.receipts),
    }
  })
}
