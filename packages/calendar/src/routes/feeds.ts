import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errorResponse } from '@rota/server'
import type { Access } from '../access.ts'
import { feedInfo, issueFeed, revokeFeed, type CalendarContext } from '../service.ts'

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse }

const personParams = {
  type: 'object',
  properties: {
    tenant: { type: 'string', minLength: 1, description: 'The team (tenant) of the person' },
    staff: { type: 'string', minLength: 1, description: 'The person\'s staff id in that team\'s schedules' },
  },
  required: ['tenant', 'staff'],
} as const

const feedSchema = {
  type: 'object',
  properties: { tenant: { type: 'string' }, staff: { type: 'string' }, createdAt: { type: 'string' }, createdBy: { type: 'string' } },
  required: ['tenant', 'staff', 'createdAt', 'createdBy'],
} as const

/** The feed's address as the caller reached this server (behind a proxy, the proxy's Host). */
const urlOf = (request: FastifyRequest, path: string): string => `${request.protocol}://${request.host}${path}`

/** Making, renewing, reading and revoking a person's calendar feed (bearer auth, like every /api route). */
export const feedRoutes = (app: FastifyInstance, ctx: CalendarContext, access: Access): void => {
  app.post('/api/teams/:tenant/calendar-feeds/:staff', {
    schema: {
      tags: ['calendar'], summary: 'Make or renew a person\'s calendar feed: a new secret URL; any earlier one stops working',
      description: 'The person themselves or a manager of the team. The token is shown only in this answer (the server keeps its hash).',
      params: personParams,
      response: {
        200: {
          type: 'object',
          properties: { feed: feedSchema, token: { type: 'string' }, path: { type: 'string' }, url: { type: 'string' } },
          required: ['feed', 'token', 'path', 'url'],
        },
        ...errors,
      },
    },
  }, async (request) => {
    const person = access.feedOwner(request)
    const { token, feed } = await issueFeed(ctx, person, request.identity.sub)
    const path = `/cal/${token}.ics`
    return { feed, token, path, url: urlOf(request, path) }
  })

  app.get('/api/teams/:tenant/calendar-feeds/:staff', {
    schema: {
      tags: ['calendar'], summary: 'Whether a person has a calendar feed, since when and made by whom (never its URL)',
      params: personParams,
      response: { 200: { type: 'object', properties: { feed: feedSchema }, required: ['feed'] }, ...errors },
    },
  }, async (request) => ({ feed: await feedInfo(ctx, access.feedOwner(request)) }))

  app.delete('/api/teams/:tenant/calendar-feeds/:staff', {
    schema: {
      tags: ['calendar'], summary: 'Revoke a person\'s calendar feed: its URL answers 404 from now on',
      params: personParams,
      response: { 200: { type: 'object', properties: { revoked: { type: 'boolean' } }, required: ['revoked'] }, ...errors },
    },
  }, async (request) => {
    await revokeFeed(ctx, access.feedOwner(request))
    return { revoked: true }
  })
}
