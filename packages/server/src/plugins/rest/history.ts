/** A document's past: its entries with what each changed, their verification, and restoring an earlier version. */
import type { FastifyInstance } from 'fastify'
import { EMPTY_UPDATE, readHistory } from '../../history.ts'
import { RotaServerError, ServerErrorCode } from '../../errors.ts'
import { docParams } from '../../httpShapes.ts'
import { restoreUpdate } from '../../restore.ts'
import { errors, historyEntry, seqResponse } from './schemas.ts'
import type { RestContext } from './context.ts'

export const historyRoutes = (app: FastifyInstance, { rooms, log, hooks, readable, existing, metaOf }: RestContext): void => {
  app.get(
    '/api/docs/:doc/history',
    {
      schema: {
        tags: ['documents'],
        summary: 'Entries newest first, with the paths each one changed',
        params: docParams,
        querystring: {
          type: 'object',
          properties: {
            before: { type: 'integer', minimum: 1, description: 'Only entries with a smaller seq (paging)' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              doc: { type: 'string' },
              entries: { type: 'array', items: historyEntry },
              next: { type: ['integer', 'null'], description: '`before` for the next page; null at the start' },
            },
            required: ['doc', 'entries', 'next'],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const doc = readable(request)
      const head = await existing(doc)
      const query = request.query as { before?: number; limit: number }
      return { doc, ...(await readHistory(log, doc, head.headSeq, query)) }
    },
  )

  app.get(
    '/api/docs/:doc/verify',
    {
      schema: {
        tags: ['operations'],
        summary: 'Check the checksum and encoding of every stored entry (what `rota verify` does), admins only',
        params: docParams,
        response: {
          200: {
            type: 'object',
            properties: {
              doc: { type: 'string' },
              entries: { type: 'integer' },
              damaged: {
                type: 'array',
                items: { type: 'object', properties: { seq: { type: 'integer' }, reason: { type: 'string' } }, required: ['seq', 'reason'] },
              },
              damagedCheckpoints: { type: 'array', items: { type: 'integer' } },
            },
            required: ['doc', 'entries', 'damaged'],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const doc = readable(request)
      if (!hooks.canAdmin(request.identity, 'verify')) throw new RotaServerError(ServerErrorCode.Forbidden, 'not allowed to verify', { doc })
      await existing(doc)
      return log.verify(doc)
    },
  )

  app.post(
    '/api/docs/:doc/restore',
    {
      schema: {
        tags: ['documents'],
        summary: 'Make the document equal to an earlier version, as a new entry (history is kept)',
        params: docParams,
        body: {
          type: 'object',
          properties: { seq: { type: 'integer', minimum: 0 } },
          required: ['seq'],
          additionalProperties: false,
        },
        response: { 200: seqResponse, ...errors },
      },
    },
    async (request) => {
      const doc = readable(request)
      if (!hooks.canAdmin(request.identity, 'restore')) {
        throw new RotaServerError(ServerErrorCode.Forbidden, 'not allowed to restore', { doc })
      }
      const head = await existing(doc)
      const { seq } = request.body as { seq: number }
      if (seq > head.headSeq) {
        throw new RotaServerError(ServerErrorCode.BadVersion, `seq ${seq} is after the head (${head.headSeq})`, { seq })
      }
      const target = seq === 0 ? EMPTY_UPDATE : await log.stateAt(doc, { seq })
      const update = restoreUpdate(await rooms.getDoc(doc), target)
      if (update === null) return { seq: head.headSeq, changed: false }
      const result = await rooms.applyUpdate(doc, update, metaOf(request.identity, 'restore', { restoredSeq: seq }))
      return { seq: result.seq, changed: true }
    },
  )
}
