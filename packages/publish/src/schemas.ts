/** JSON schemas of the publishing and inbox routes (they document the API; docs/publishing.md mirrors them). */
import { docParam, docParams, errorResponse } from '@rota/server'
import { conflictKinds } from '@rota/resolver'
import { inboxKinds } from './types.ts'

export const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse }

// The server's `:doc` parameter, as every route under /api/docs/:doc declares it.
export { docParams }

export const publicationParams = {
  type: 'object',
  properties: { doc: docParam, id: { type: 'string', minLength: 1, description: 'A publication id (pub_1)' } },
  required: ['doc', 'id'],
} as const

export const rangeQuery = {
  type: 'object',
  properties: {
    from: { type: 'string', description: 'First date of the range, YYYY-MM-DD' },
    to: { type: 'string', description: 'Last date of the range, YYYY-MM-DD (at most 366 days)' },
  },
  required: ['from', 'to'],
} as const

const nullable = (schema: object) => ({ anyOf: [{ type: 'null' }, schema] })

export const shiftSchema = {
  type: 'object',
  properties: {
    date: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' }, role: { type: 'string' },
    requiredSkill: { type: ['string', 'null'] }, assignee: { type: ['string', 'null'] }, notes: { type: 'string' },
  },
} as const

const range = { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } }, required: ['from', 'to'] } as const

const changeSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['new', 'changed', 'removed', 'reassigned'] },
    shift: { type: 'string' },
    before: nullable(shiftSchema),
    after: nullable(shiftSchema),
    from: { type: 'string', description: 'reassigned: the previous assignee' },
    to: { type: 'string', description: 'reassigned: the new assignee' },
    shortNotice: { type: 'boolean', description: 'The shift starts within the team\'s notice period of the publication' },
  },
  required: ['kind', 'shift', 'before', 'after', 'shortNotice'],
} as const

export const publicationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    doc: { type: 'string' },
    seq: { type: 'integer', description: 'The last log entry of the published state' },
    range,
    by: { type: 'string' },
    role: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    note: { type: ['string', 'null'] },
    confirmedConflicts: { type: 'array', items: { type: 'string' } },
    people: { type: 'integer', description: 'How many people had changes (and got a receipt)' },
  },
  required: ['id', 'doc', 'seq', 'range', 'by', 'role', 'at', 'note', 'confirmedConflicts', 'people'],
} as const

export const receiptSchema = {
  type: 'object',
  properties: {
    publication: { type: 'string' }, doc: { type: 'string' }, staff: { type: 'string' }, at: { type: 'string', format: 'date-time' },
    changes: { type: 'array', items: changeSchema },
  },
  required: ['publication', 'doc', 'staff', 'at', 'changes'],
} as const

export const segmentSchema = {
  type: 'object',
  properties: { from: { type: 'string' }, to: { type: 'string' }, publication: { type: ['string', 'null'] }, seq: { type: ['integer', 'null'] } },
  required: ['from', 'to', 'publication', 'seq'],
} as const

export const previewSchema = {
  type: 'object',
  properties: {
    doc: { type: 'string' },
    seq: { type: 'integer', description: 'The state publishing now would publish: pass it as `seq` to publish exactly this' },
    range,
    lastPublication: { type: ['string', 'null'] },
    noticeDays: { type: 'integer' },
    people: {
      type: 'array',
      items: { type: 'object', properties: { staff: { type: 'string' }, name: { type: ['string', 'null'] }, changes: { type: 'array', items: changeSchema } } },
    },
    conflicts: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, kind: { type: 'string', enum: [...conflictKinds] }, shifts: { type: 'array', items: { type: 'string' } }, staff: { type: 'array', items: { type: 'string' } } },
      },
    },
    violations: { type: 'array', items: { type: 'object', additionalProperties: true } },
    needsConfirmation: { type: 'boolean', description: 'Open conflicts in the range: publishing needs `confirm: true`' },
  },
  required: ['doc', 'seq', 'range', 'lastPublication', 'noticeDays', 'people', 'conflicts', 'violations', 'needsConfirmation'],
} as const

export const inboxItemSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...inboxKinds] },
    doc: { type: 'string' },
    staff: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    read: { type: 'boolean' },
    publication: { type: 'string' },
    changes: { type: 'array', items: changeSchema },
    shift: { type: 'string' },
    published: nullable(shiftSchema),
    times: { type: 'integer', description: 'How often the item was updated while unread: changes to the shift, or a conflict that grew' },
    conflict: {
      type: 'object',
      description: 'conflict_needs_decision, conflict_resolved_automatically: which conflict (GET /api/docs/{doc}/conflicts/{id} has the rest)',
      properties: {
        id: { type: 'string' }, kind: { type: 'string' },
        shifts: { type: 'array', items: { type: 'string' } }, staff: { type: 'array', items: { type: 'string' } },
        applied: { type: ['string', 'null'], description: 'conflict_resolved_automatically: the option applied' },
      },
      required: ['id', 'kind', 'shifts', 'staff'],
    },
    seq: { type: 'integer', description: 'change_not_accepted: the log entry the rest of the update is in' },
    refused: {
      type: 'array',
      description: 'change_not_accepted: the changes the server took out (as RotaDenied told the editor)',
      items: { type: 'object', properties: { path: { type: 'string' }, kind: { type: 'string' }, reason: { type: 'string' } }, required: ['path', 'kind', 'reason'] },
    },
  },
  required: ['id', 'kind', 'doc', 'staff', 'at', 'updatedAt', 'read'],
} as const

export const settingsSchema = {
  type: 'object',
  properties: {
    tenant: { type: 'string' },
    noticeDays: { type: 'integer', minimum: 0, maximum: 365, description: 'Changes to shifts starting within this many days of publishing are short notice' },
  },
  required: ['tenant', 'noticeDays'],
} as const
