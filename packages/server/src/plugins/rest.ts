import type { FastifyPluginAsync } from 'fastify'
import { authenticateRequests } from '../requestIdentity.ts'
import { restContext, type RestPluginOptions } from './rest/context.ts'
import { documentRoutes } from './rest/documents.ts'
import { historyRoutes } from './rest/history.ts'
import { updateRoutes } from './rest/updates.ts'

export type { RestPluginOptions } from './rest/context.ts'

/**
 * The REST API for clients that do not speak Yjs (docs/rest-api.md). Every write goes through the rooms, so
 * connected editors see it live and it lands in the log like any other update. The routes, by group: rest/.
 */
export const restPlugin: FastifyPluginAsync<RestPluginOptions> = async (app, options) => {
  authenticateRequests(app, options.hooks)
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: options.limits.maxBodySize }, (_req, body, done) =>
    done(null, body),
  )
  const context = restContext(options)
  documentRoutes(app, context)
  historyRoutes(app, context)
  updateRoutes(app, context)
}
