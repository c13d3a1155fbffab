/** Binary Yjs (v1) state and updates, for server-to-server use. */
import type { FastifyInstance } from 'fastify'
import * as Y from 'yjs'
import { RotaServerError, ServerErrorCode } from '../../errors.ts'
import { docParams } from '../../httpShapes.ts'
import { assertV1Update } from '../../updateFormat.ts'
import { errors, seqResponse } from './schemas.ts'
import type { RestContext } from './context.ts'

export const updateRoutes = (app: FastifyInstance, { rooms, log, readable, existing, metaOf }: RestContext): void => {
  app.get(
    '/api/docs/:doc/update',
    {
      schema: {
        tags: ['updates'],
        summary: 'The document state as one encoded Yjs (v1) update',
        params: docParams,
        produces: ['application/octet-stream'],
        response: { 200: { type: 'string', format: 'binary' }, ...errors },
      },
    },
    async (request, reply) => {
      const doc = readable(request)
      await existing(doc)
      const state = Y.encodeStateAsUpdate(await rooms.getDoc(doc))
      return reply.type('application/octet-stream').send(Buffer.from(state.buffer, state.byteOffset, state.byteLength))
    },
  )

  app.post(
    '/api/docs/:doc/update',
    {
      schema: {
        tags: ['updates'],
        summary: 'Apply an encoded Yjs (v1) update; answered once durable',
        params: docParams,
        description: 'Body: the update bytes, `Content-Type: application/octet-stream`.',
        consumes: ['application/octet-stream'],
        response: { 200: seqResponse, ...errors },
      },
    },
    async (request) => {
      const doc = readable(request)
      const body = request.body
      if (!Buffer.isBuffer(body)) {
        throw new RotaServerError(ServerErrorCode.BadRequest, 'send the update as application/octet-stream')
      }
      assertV1Update(body)
      const before = (await log.head(doc))?.headSeq ?? 0
      const result = await rooms.applyUpdate(doc, new Uint8Array(body), metaOf(request.identity, 'import'), {
        identity: request.identity,
      })
      return { seq: result.seq, changed: result.seq !== before }
    },
  )
}
