/** The documents as JSON: the list, a schedule now or at a past version, and path operations (PATCH). */
import type { FastifyInstance } from 'fastify'
import * as Y from 'yjs'
import { applyOps, isModelError, toJSON, validateOps, type PathOp } from '@rota/model'
import { EMPTY_UPDATE } from '../../history.ts'
import { RotaServerError, ServerErrorCode } from '../../errors.ts'
import { docParams } from '../../httpShapes.ts'
import { parseVersionRef } from '../../version.ts'
import { errors, pathOpSchema, seqResponse } from './schemas.ts'
import type { RestContext } from './context.ts'

const iso = (ms: number): string => new Date(ms).toISOString()

const docFromState = (state: Uint8Array): Y.Doc => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, state)
  return doc
}

/** A model error is the caller's fault: 422 with the model's code, op index and path in the details. */
const modelFailure = (err: unknown): never => {
  if (isModelError(err)) {
    throw new RotaServerError(ServerErrorCode.InvalidOps, err.message, {
      modelCode: err.code,
      ...(err.opIndex === undefined ? {} : { opIndex: err.opIndex }),
      ...(err.path === undefined ? {} : { path: err.path }),
      ...err.details,
    })
  }
  throw err
}

export const documentRoutes = (app: FastifyInstance, { rooms, log, hooks, readable, existing, metaOf }: RestContext): void => {
  app.get(
    '/api/docs',
    {
      schema: {
        tags: ['documents'],
        summary: 'List documents',
        querystring: {
          type: 'object',
          properties: { prefix: { type: 'string', description: 'Only names starting with this' } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              docs: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { doc: { type: 'string' }, headSeq: { type: 'integer' }, lastChange: { type: 'string', format: 'date-time' } },
                  required: ['doc', 'headSeq', 'lastChange'],
                },
              },
            },
            required: ['docs'],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      // Names are stored in NFC (docName.ts): so is the prefix they are matched against.
      const asked = ((request.query as { prefix?: string }).prefix ?? '').normalize('NFC')
      const allowed = hooks.listPrefix(request.identity) ?? ''
      // The narrower of the two prefixes; disjoint ones list nothing.
      const prefix = asked.startsWith(allowed) ? asked : allowed.startsWith(asked) ? allowed : undefined
      const docs = []
      if (prefix !== undefined) {
        for await (const summary of log.listDocs(prefix)) {
          if (!hooks.canRead(request.identity, summary.doc)) continue
          docs.push({ doc: summary.doc, headSeq: summary.headSeq, lastChange: iso(summary.lastChange) })
        }
      }
      return { docs }
    },
  )

  app.get(
    '/api/docs/:doc',
    {
      schema: {
        tags: ['documents'],
        summary: 'The schedule as JSON, now or as it was at a sequence number or time',
        params: docParams,
        querystring: {
          type: 'object',
          properties: { at: { type: 'string', description: 'A sequence number, or an ISO-8601 time (the last entry at or before it)' } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              doc: { type: 'string' },
              seq: { type: 'integer', description: 'The last entry included' },
              schedule: { type: 'object', additionalProperties: true },
            },
            required: ['doc', 'seq', 'schedule'],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const doc = readable(request)
      const head = await existing(doc)
      const at = (request.query as { at?: string }).at
      // The seq and the schedule of one state: the room's memory can be ahead of the log while appends settle.
      if (at === undefined) {
        const { seq, value } = await rooms.snapshot(doc, toJSON)
        return { doc, seq, schedule: value }
      }
      const ref = parseVersionRef(at)
      let seq: number
      if ('seq' in ref) {
        if (ref.seq > head.headSeq) {
          throw new RotaServerError(ServerErrorCode.BadVersion, `seq ${ref.seq} is after the head (${head.headSeq})`, { at })
        }
        seq = ref.seq
      } else {
        const entries = log.read(doc, { toTime: ref.time, reverse: true, limit: 1 })
        seq = 0
        for await (const entry of entries) seq = entry.seq
      }
      const past = docFromState(seq === 0 ? EMPTY_UPDATE : await log.stateAt(doc, { seq }))
      try {
        return { doc, seq, schedule: toJSON(past) }
      } finally {
        past.destroy()
      }
    },
  )

  app.patch(
    '/api/docs/:doc',
    {
      schema: {
        tags: ['documents'],
        summary: 'Apply path operations as one transaction; answered once durable',
        params: docParams,
        body: {
          type: 'object',
          properties: { ops: { type: 'array', items: pathOpSchema, minItems: 1, maxItems: 1000 } },
          required: ['ops'],
          additionalProperties: false,
        },
        response: { 200: seqResponse, ...errors },
      },
    },
    async (request) => {
      const doc = readable(request)
      const { ops } = request.body as { ops: PathOp[] }
      // Decided inside the write's transaction: no await between authorising and applying.
      const result = await rooms.change(doc, metaOf(request.identity, 'rest'), (ydoc) => {
        const decision = hooks.authorizeOps(request.identity, ydoc, ops)
        if (!decision.ok) throw new RotaServerError(ServerErrorCode.Forbidden, decision.reason, { doc })
        try {
          validateOps(ydoc, ops)
        } catch (err) {
          modelFailure(err)
        }
        applyOps(ydoc, ops)
      })
      if (result === null) return { seq: (await log.head(doc))?.headSeq ?? 0, changed: false }
      return { seq: result.seq, changed: true }
    },
  )
}
