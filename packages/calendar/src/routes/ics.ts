import type { FastifyInstance } from 'fastify'
import { errorResponse } from '@rota/server'
import { CalendarError, CalendarErrorCode } from '../errors.ts'
import { feedText, type CalendarContext } from '../service.ts'

/**
 * `GET /cal/<token>.ics`: a person's published shifts as iCalendar. No bearer (calendar apps cannot send one):
 * the token in the path is the secret, so this route lives outside the authenticated scope.
 */
export const icsRoutes = (app: FastifyInstance, ctx: CalendarContext): void => {
  app.get('/cal/:file', {
    schema: {
      tags: ['calendar'], summary: 'A person\'s published shifts as an iCalendar (RFC 5545) feed; the token in the URL is the secret',
      params: { type: 'object', properties: { file: { type: 'string', description: '<token>.ics' } }, required: ['file'] },
      response: { 404: errorResponse },
    },
  }, async (request, reply) => {
    const file = (request.params as { file: string }).file
    if (!file.endsWith('.ics')) throw new CalendarError(CalendarErrorCode.FeedNotFound, 'no such calendar feed', {})
    const text = await feedText(ctx, file.slice(0, -'.ics'.length))
    return reply
      .type('text/calendar; charset=utf-8')
      // The URL is a credential: no shared cache may keep the answer.
      .header('cache-control', 'private, no-cache')
      .header('content-disposition', 'inline; filename="shifts.ics"')
      .send(text)
  })
}
