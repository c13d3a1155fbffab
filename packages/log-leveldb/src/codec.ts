/**
 * Paired encoders and decoders of stored values. Every value ends with a CRC-32 (node:zlib, the
 * IEEE polynomial) over the key and the value before it, so a damaged value, or a value found
 * under the wrong key, is detected on read.
 *
 * Entry value, format 1:
 *   u8 format · varuint receivedAt · u8 flags (1 clientTime, 2 details) · [varint clientTime - receivedAt]
 *   · varstring actor · varstring role · u8 origin · varuint n · n × varuint clientId · [varstring details JSON]
 *   · update bytes as received · u32 crc
 */
import { crc32 } from 'node:zlib'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { ORIGINS } from '@rota/log'
import type { EntryMeta } from '@rota/log'

const FORMAT = 1
const CRC_BYTES = 4
const HAS_CLIENT_TIME = 1
const HAS_DETAILS = 2

export class DecodeError extends Error {}

/** The bytes of `bytes` from `start`, as a plain Uint8Array (LevelDB hands out Buffers), without copying. */
const plainView = (bytes: Uint8Array, start: number): Uint8Array =>
  new Uint8Array(bytes.buffer, bytes.byteOffset + start, bytes.length - start)

function seal(key: Uint8Array, body: Uint8Array, extra?: Uint8Array): Uint8Array {
  const length = body.length + (extra?.length ?? 0)
  const value = new Uint8Array(length + CRC_BYTES)
  value.set(body)
  if (extra !== undefined) value.set(extra, body.length)
  new DataView(value.buffer).setUint32(length, crc32(value.subarray(0, length), crc32(key)))
  return value
}

/** The value without its checksum; throws DecodeError when the checksum does not match. */
function unseal(key: Uint8Array, value: Uint8Array): Uint8Array {
  if (value.length < CRC_BYTES + 1) throw new DecodeError('value too short')
  const length = value.length - CRC_BYTES
  const body = value.subarray(0, length)
  const stored = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(length)
  if (crc32(body, crc32(key)) !== stored) throw new DecodeError('checksum mismatch')
  if (body[0] !== FORMAT) throw new DecodeError(`unknown format ${body[0]}`)
  return body
}

function writeMeta(encoder: encoding.Encoder, meta: EntryMeta): void {
  encoding.writeVarUint(encoder, meta.receivedAt)
  const flags = (meta.clientTime === undefined ? 0 : HAS_CLIENT_TIME) | (meta.details === undefined ? 0 : HAS_DETAILS)
  encoding.writeUint8(encoder, flags)
  if (meta.clientTime !== undefined) encoding.writeVarInt(encoder, meta.clientTime - meta.receivedAt)
  encoding.writeVarString(encoder, meta.actor)
  encoding.writeVarString(encoder, meta.role)
  encoding.writeUint8(encoder, ORIGINS.indexOf(meta.origin))
  encoding.writeVarUint(encoder, meta.clientIds.length)
  for (const id of meta.clientIds) encoding.writeVarUint(encoder, id)
  if (meta.details !== undefined) encoding.writeVarString(encoder, JSON.stringify(meta.details))
}

function readMeta(decoder: decoding.Decoder): EntryMeta {
  const receivedAt = decoding.readVarUint(decoder)
  const flags = decoding.readUint8(decoder)
  const clientTime = (flags & HAS_CLIENT_TIME) === 0 ? undefined : receivedAt + decoding.readVarInt(decoder)
  const actor = decoding.readVarString(decoder)
  const role = decoding.readVarString(decoder)
  const origin = ORIGINS[decoding.readUint8(decoder)]
  if (origin === undefined) throw new DecodeError('unknown origin')
  const count = decoding.readVarUint(decoder)
  const clientIds: number[] = []
  for (let i = 0; i < count; i++) clientIds.push(decoding.readVarUint(decoder))
  const meta: EntryMeta = { actor, role, origin, clientIds, receivedAt }
  if (clientTime !== undefined) meta.clientTime = clientTime
  if ((flags & HAS_DETAILS) !== 0) meta.details = JSON.parse(decoding.readVarString(decoder)) as Record<string, unknown>
  return meta
}

/** Runs a decoder; any failure (short read, bad JSON) becomes a DecodeError. */
function decodeWith<T>(body: Uint8Array, read: (decoder: decoding.Decoder) => T): T {
  try {
    const decoder = decoding.createDecoder(body)
    decoding.readUint8(decoder) // format, checked by unseal
    return read(decoder)
  } catch (error) {
    throw error instanceof DecodeError ? error : new DecodeError(`undecodable: ${(error as Error).message}`)
  }
}

export function encodeEntry(key: Uint8Array, meta: EntryMeta, update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, FORMAT)
  writeMeta(encoder, meta)
  return seal(key, encoding.toUint8Array(encoder), update)
}

export function decodeEntry(key: Uint8Array, value: Uint8Array): { meta: EntryMeta; update: Uint8Array } {
  const body = unseal(key, value)
  return decodeWith(body, (decoder) => {
    const meta = readMeta(decoder)
    const update = plainView(body, decoder.pos)
    if (update.length === 0) throw new DecodeError('empty update')
    return { meta, update }
  })
}

/** Only the receivedAt of an entry (for lookups by time), checksum verified. */
export function decodeEntryTime(key: Uint8Array, value: Uint8Array): number {
  return decodeWith(unseal(key, value), (decoder) => decoding.readVarUint(decoder))
}

export interface Checkpoint {
  /** receivedAt of the entry the checkpoint ends at. */
  time: number
  state: Uint8Array
}

export function encodeCheckpoint(key: Uint8Array, checkpoint: Checkpoint): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, FORMAT)
  encoding.writeVarUint(encoder, checkpoint.time)
  return seal(key, encoding.toUint8Array(encoder), checkpoint.state)
}

export function decodeCheckpoint(key: Uint8Array, value: Uint8Array): Checkpoint {
  const body = unseal(key, value)
  return decodeWith(body, (decoder) => ({ time: decoding.readVarUint(decoder), state: plainView(body, decoder.pos) }))
}

/** What the log knows about a document beyond its entries. */
export interface DocRecord {
  /** History up to and including baseSeq is gone; the state at baseSeq is the base. */
  baseSeq: number
  baseTime: number
  /** The base is the checkpoint at baseSeq (retention), otherwise empty (a removed name written again). */
  baseIsCheckpoint: boolean
  /** The next append gets at least this number (numbers cut or removed are not reused). */
  nextSeq: number
  removed: boolean
  /** Ranges [from, to] that `truncateAfter` cut: gaps there are expected, elsewhere they are damage. */
  cuts: Array<[number, number]>
}

export const NEW_DOC_RECORD: DocRecord = { baseSeq: 0, baseTime: 0, baseIsCheckpoint: false, nextSeq: 1, removed: false, cuts: [] }

export function encodeDocRecord(key: Uint8Array, record: DocRecord): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, FORMAT)
  encoding.writeVarUint(encoder, record.baseSeq)
  encoding.writeVarUint(encoder, record.baseTime)
  encoding.writeUint8(encoder, (record.baseIsCheckpoint ? 1 : 0) | (record.removed ? 2 : 0))
  encoding.writeVarUint(encoder, record.nextSeq)
  encoding.writeVarUint(encoder, record.cuts.length)
  for (const [from, to] of record.cuts) {
    encoding.writeVarUint(encoder, from)
    encoding.writeVarUint(encoder, to)
  }
  return seal(key, encoding.toUint8Array(encoder))
}

export function decodeDocRecord(key: Uint8Array, value: Uint8Array): DocRecord {
  return decodeWith(unseal(key, value), (decoder) => {
    const baseSeq = decoding.readVarUint(decoder)
    const baseTime = decoding.readVarUint(decoder)
    const flags = decoding.readUint8(decoder)
    const nextSeq = decoding.readVarUint(decoder)
    const cuts: Array<[number, number]> = []
    for (let n = decoding.readVarUint(decoder); n > 0; n--) cuts.push([decoding.readVarUint(decoder), decoding.readVarUint(decoder)])
    return { baseSeq, baseTime, baseIsCheckpoint: (flags & 1) !== 0, removed: (flags & 2) !== 0, nextSeq, cuts }
  })
}

/** A removal: who removed the document, and when (the meta of the removeDoc call). */
export function encodeRemoval(key: Uint8Array, meta: EntryMeta): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, FORMAT)
  writeMeta(encoder, meta)
  return seal(key, encoding.toUint8Array(encoder))
}

export function decodeRemoval(key: Uint8Array, value: Uint8Array): EntryMeta {
  return decodeWith(unseal(key, value), readMeta)
}

export function encodeFormat(key: Uint8Array): Uint8Array {
  return seal(key, new Uint8Array([FORMAT]))
}

export function checkFormat(key: Uint8Array, value: Uint8Array): void {
  unseal(key, value)
}
