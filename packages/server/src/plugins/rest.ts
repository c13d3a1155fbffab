import * as Y from 'yjs'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { UpdateLog } from '@rota/log'
import { applyOps, isModelError, toJSON, validateOps, type PathOp } from '@rota/model'
import { EMPTY_UPDATE, readHistory } from '../history.ts'
import { RotaServerError, ServerErrorCode } from '../errors.ts'
import { parseDocName } from '../docName.ts'
import { authenticateRequests } from '../requestIdentity.ts'
import { docParams, errorResponse } from '../httpShapes.ts'
import { restoreUpdate } from '../restore.ts'
import { assertV1Update } from '../updateFormat.ts'
import { parseVersionRef } from '../version.ts'
import type { RoomRegistry } from '../rooms.ts'
import type { Identity, Limits, ServerHooks, UpdateMeta } from '../types.ts'

export interface RestPluginOptions {
  rooms: RoomRegistry
  log: UpdateLog
  hooks: ServerHooks
  limits: Limits
}

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 422: errorResponse }

const seqResponse = {
  type: 'object',
  properties: {
    seq: { type: 'integer', description: 'The head sequence number after the call' },
    changed: { type: 'boolean', description: 'False when the call changed nothing (no entry appended)' },
  },
  required: ['seq', 'changed'],
} as const

const pathOpSchema = {
  type: 'object',
  properties: {
    op: { type: 'string', enum: ['set', 'delete', 'append'] },
    path: { type: 'string', minLength: 1, description: 'e.g. shifts.s42.assignee' },
    value: {},
  },
  required: ['op', 'path'],
  additionalProperties: false,
} as const

const historyEntry = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    time: { type: 'string', format: 'date-time' },
    clientTime: { type: 'string', format: 'date-time' },
    actor: { type: 'string' },
    role: { type: 'string' },
    origin: { type: 'string' },
    bytes: { type: 'integer' },
    changes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          kind: { type: 'string', enum: ['set', 'delete', 'insert'] },
          value: { description: 'The new value (set, insert)' },
          previous: { description: 'The value before (set, delete), when known' },
        },
        required: ['path', 'kind'],
      },
    },
    details: { type: 'object', additionalProperties: true },
  },
  required: ['seq', 'time', 'actor', 'role', 'origin', 'bytes', 'changes'],
} as const

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

/**
 * The REST API for clients that do not speak Yjs. Every write goes through the rooms, so
 * connected editors see it live and it lands in the log like any other update.
 */
export const restPlugin: FastifyPluginAsync<RestPluginOptions> = async (app, { rooms, log, hooks, limits }) => {
  authenticateRequests(app, hooks)
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: limits.maxBodySize }, (_req, body, done) =>
    done(null, body),
  )

  const readable = (request: FastifyRequest): string => {
    const name = parseDocName((request.params as { doc: string }).doc, limits.maxDocNameLength)
    if (!hooks.canRead(request.identity, name)) {
      throw new RotaServerError(ServerErrorCode.Forbidden, 'not allowed to read this document', { doc: name })
    }
    return name
  }

  const existing = async (doc: string) => {
    const head = await log.head(doc)
    if (head === undefined) throw new RotaServerError(ServerErrorCode.DocNotFound, 'no such document', { doc })
    return head
  }

  const metaOf = (identity: Identity, origin: UpdateMeta['origin'], details?: Record<string, unknown>): UpdateMeta => ({
    actor: identity.sub,
    role: identity.role,
    origin,
    ...(details === undefined ? {} : { details }),
  })

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
