import type { FastifyPluginAsync } from 'fastify'
import type { ServerMetrics } from '../metrics.ts'

/** `GET /metrics` in the Prometheus text format. */
export const metricsPlugin: FastifyPluginAsync<{ metrics: ServerMetrics }> = async (app, { metrics }) => {
  app.get('/metrics', { schema: { tags: ['operations'], produces: ['text/plain'] } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}
