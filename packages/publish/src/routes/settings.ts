import type { FastifyInstance } from 'fastify'
import type { Access } from '../access.ts'
import type { PublishContext } from '../context.ts'
import { errors, settingsSchema } from '../schemas.ts'

const params = { type: 'object', properties: { tenant: { type: 'string', minLength: 1 } }, required: ['tenant'] } as const

/** A team's publishing settings (the notice period), for those who may change its settings. */
export const settingsRoutes = (app: FastifyInstance, ctx: PublishContext, access: Access): void => {
  app.get('/api/teams/:tenant/publish-settings', {
    schema: { tags: ['publishing'], summary: 'The team\'s publishing settings', params, response: { 200: settingsSchema, ...errors } },
  }, async (request) => {
    const tenant = access.teamAdmin(request)
    return { tenant, ...(await ctx.publications.settings(tenant)) }
  })

  app.put('/api/teams/:tenant/publish-settings', {
    schema: {
      tags: ['publishing'], summary: 'Set the team\'s publishing settings', params,
      body: { type: 'object', properties: { noticeDays: settingsSchema.properties.noticeDays }, required: ['noticeDays'], additionalProperties: false },
      response: { 200: settingsSchema, ...errors },
    },
  }, async (request) => {
    const tenant = access.teamAdmin(request)
    const { noticeDays } = request.body as { noticeDays: number }
    await ctx.publications.putSettings(tenant, { noticeDays })
    request.log.info({ tenant, noticeDays, actor: request.identity.sub }, 'publish settings set')
    return { tenant, noticeDays }
  })
}
