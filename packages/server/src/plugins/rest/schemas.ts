/** The JSON schemas the REST routes share (validation, serialization and the OpenAPI document). */
import { errorResponse } from '../../httpShapes.ts'

export const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 422: errorResponse }

export const seqResponse = {
  type: 'object',
  properties: {
    seq: { type: 'integer', description: 'The head sequence number after the call' },
    changed: { type: 'boolean', description: 'False when the call changed nothing (no entry appended)' },
  },
  required: ['seq', 'changed'],
} as const

export const pathOpSchema = {
  type: 'object',
  properties: {
    op: { type: 'string', enum: ['set', 'delete', 'append'] },
    path: { type: 'string', minLength: 1, description: 'e.g. shifts.s42.assignee' },
    value: {},
  },
  required: ['op', 'path'],
  additionalProperties: false,
} as const

export const historyEntry = {
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
