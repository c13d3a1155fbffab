/**
 * Input checks shared by every backend: public methods call these first, so bad input raises
 * ROTA_LOG_INVALID_ARGUMENT and changes nothing.
 */
import * as Y from 'yjs'
import { LogErrorCode, RotaLogError } from './errors.ts'
import { ORIGINS } from './types.ts'
import type { EntryMeta, ReadRange, VersionRef } from './types.ts'

/** Longest document name, in UTF-8 bytes. */
export const MAX_DOC_NAME_BYTES = 512
/** Largest `meta.details`, in bytes of JSON. */
export const MAX_DETAILS_BYTES = 4096

const invalid = (field: string, message: string, doc?: string): RotaLogError =>
  new RotaLogError(LogErrorCode.InvalidArgument, message, { field, ...(doc === undefined ? {} : { doc }) })

const encoder = new TextEncoder()
// With the `u` flag a valid surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /\p{Cs}/u

export function validateDocName(doc: unknown): asserts doc is string {
  if (typeof doc !== 'string' || doc.length === 0) throw invalid('doc', 'document name must be a non-empty string')
  // NUL separates the name from the sequence number in sorted keys.
  if (doc.includes('\u0000')) throw invalid('doc', 'document name must not contain NUL')
  if (LONE_SURROGATE.test(doc)) throw invalid('doc', 'document name must be well-formed Unicode')
  if (encoder.encode(doc).length > MAX_DOC_NAME_BYTES) {
    throw invalid('doc', `document name is longer than ${MAX_DOC_NAME_BYTES} bytes`)
  }
}

/** Checks that `update` is a decodable Yjs v1 update (without building a document). */
export function validateUpdate(update: unknown, doc?: string): asserts update is Uint8Array {
  updateClientIds(update, doc)
}

/**
 * Validates `update` as `validateUpdate` does and returns the Yjs client ids whose structs it
 * carries, in the update's order (what a server passes as `meta.clientIds`), from the same parse.
 */
export function updateClientIds(update: unknown, doc?: string): number[] {
  if (!(update instanceof Uint8Array) || update.length === 0) {
    throw invalid('update', 'update must be a non-empty Uint8Array', doc)
  }
  try {
    return [...Y.parseUpdateMeta(update).to.keys()]
  } catch (cause) {
    throw new RotaLogError(LogErrorCode.InvalidArgument, 'update is not a valid Yjs v1 update', {
      field: 'update',
      cause,
      ...(doc === undefined ? {} : { doc }),
    })
  }
}

const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

export function validateMeta(meta: unknown, doc?: string): asserts meta is EntryMeta {
  if (typeof meta !== 'object' || meta === null) throw invalid('meta', 'meta must be an object', doc)
  const m = meta as Record<string, unknown>
  if (typeof m.actor !== 'string' || m.actor.length === 0) throw invalid('meta.actor', 'meta.actor must be a non-empty string', doc)
  if (typeof m.role !== 'string' || m.role.length === 0) throw invalid('meta.role', 'meta.role must be a non-empty string', doc)
  if (!ORIGINS.includes(m.origin as EntryMeta['origin'])) {
    throw invalid('meta.origin', `meta.origin must be one of ${ORIGINS.join(', ')}`, doc)
  }
  if (!Array.isArray(m.clientIds) || !m.clientIds.every((id) => Number.isSafeInteger(id) && id >= 0)) {
    throw invalid('meta.clientIds', 'meta.clientIds must be an array of non-negative integers', doc)
  }
  if (!isTime(m.receivedAt)) throw invalid('meta.receivedAt', 'meta.receivedAt must be ms since the epoch', doc)
  if (m.clientTime !== undefined && !isTime(m.clientTime)) {
    throw invalid('meta.clientTime', 'meta.clientTime must be ms since the epoch', doc)
  }
  if (m.details !== undefined) {
    if (typeof m.details !== 'object' || m.details === null || Array.isArray(m.details)) {
      throw invalid('meta.details', 'meta.details must be a plain object', doc)
    }
    let json: string
    try {
      json = JSON.stringify(m.details)
    } catch (cause) {
      throw new RotaLogError(LogErrorCode.InvalidArgument, 'meta.details must be JSON-serialisable', { field: 'meta.details', cause })
    }
    if (encoder.encode(json).length > MAX_DETAILS_BYTES) {
      throw invalid('meta.details', `meta.details is larger than ${MAX_DETAILS_BYTES} bytes of JSON`, doc)
    }
  }
}

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

export function validateSeq(seq: unknown, field = 'seq'): asserts seq is number {
  if (!isSeq(seq)) throw invalid(field, `${field} must be a non-negative integer`)
}

export function validateRange(range: unknown): asserts range is ReadRange | undefined {
  if (range === undefined) return
  if (typeof range !== 'object' || range === null) throw invalid('range', 'range must be an object')
  const r = range as Record<string, unknown>
  for (const key of ['fromSeq', 'toSeq', 'limit'] as const) {
    if (r[key] !== undefined && !isSeq(r[key])) throw invalid(`range.${key}`, `range.${key} must be a non-negative integer`)
  }
  for (const key of ['fromTime', 'toTime'] as const) {
    if (r[key] !== undefined && !isTime(r[key])) throw invalid(`range.${key}`, `range.${key} must be ms since the epoch`)
  }
  if (r.reverse !== undefined && typeof r.reverse !== 'boolean') throw invalid('range.reverse', 'range.reverse must be a boolean')
}

export function validateVersionRef(at: unknown): asserts at is VersionRef | undefined {
  if (at === undefined) return
  if (typeof at !== 'object' || at === null) throw invalid('at', 'at must be { seq } or { time }')
  const ref = at as Record<string, unknown>
  if ('seq' in ref) {
    if (!isSeq(ref.seq)) throw invalid('at.seq', 'at.seq must be a non-negative integer')
  } else if ('time' in ref) {
    if (!isTime(ref.time)) throw invalid('at.time', 'at.time must be ms since the epoch')
  } else {
    throw invalid('at', 'at must be { seq } or { time }')
  }
}

export function validatePrefix(prefix: unknown): asserts prefix is string | undefined {
  if (prefix !== undefined && typeof prefix !== 'string') throw invalid('prefix', 'prefix must be a string')
}
