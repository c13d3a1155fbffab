import type { FastifyPluginAsync } from 'fastify'

export interface HealthPluginOptions {
  /** True while the server accepts connections and its log answers. */
  isReady: () => Promise<boolean>
}

const statusSchema = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
} as const

/** `/healthz`: the process answers. `/readyz`: it accepts work (not shutting down, and its log answers a read). */
export const healthPlugin: FastifyPluginAsync<HealthPluginOptions> = async (app, { isReady }) => {
  app.get('/healthz', { schema: { tags: ['operations'], response: { 200: statusSchema } } }, async () => ({ status: 'ok' }))
  app.get(
    '/readyz',
    { schema: { tags: ['operations'], response: { 200: statusSchema, 503: statusSchema } } },
    async (_request, reply) => ((await isReady()) ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' })),
  )
}
