/**
 * Paired encoders and decoders of stored values. Every value ends with a CRC-32 (node:zlib, the
 * IEEE polynomial) over the key and the value before it, so a damaged value, or a value found
 * under the wrong key, is detected on read. The first byte of every value names its format, so a
 * directory written by an older version keeps reading (see docs/log.md, "Storage layout").
 *
 * Entry value, format 2 (written now; ~18 bytes of meta and checksum besides the update):
 *   u8 head (bits 0-2 format = 2; flags: 8 clientTime, 16 details, 32 clientIds listed)
 *   · varuint receivedAt · [varint clientTime - receivedAt] · varstring actor
 *   · u8 origin + 8 × role (ROLES index; ROLES.length: a varstring role follows)
 *   · [varuint n · n × varuint clientId] · [varstring details JSON] · update bytes as received · u32 crc
 * Without flag 32 the client ids are those of the update (`Y.parseUpdateMeta(update).to`, in its
 * order), which is what a server passes: they are derived on read instead of stored.
 *
 * Entry value, format 1 (read only):
 *   u8 1 · varuint receivedAt · u8 flags (1 clientTime, 2 details) · [varint clientTime - receivedAt]
 *   · varstring actor · varstring role · u8 origin · varuint n · n × varuint clientId · [varstring details JSON]
 *   · update bytes as received · u32 crc
 *
 * Checkpoint value: u8 format (1: Yjs v1 state, read only; 2: Yjs v2 state) · varuint time · state · u32 crc.
 */
import { crc32 } from 'node:zlib'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { ORIGINS, updateClientIds } from '@rota/log'
import type { EntryMeta } from '@rota/log'

/** Document records, removals and the directory marker (unchanged since the first version). */
const FORMAT = 1
/** Entries and checkpoints written now. */
const FORMAT_2 = 2
const CRC_BYTES = 4
const HAS_CLIENT_TIME = 1
const HAS_DETAILS = 2
const FORMAT_BITS = 7
const V2_CLIENT_TIME = 8
const V2_DETAILS = 16
const V2_CLIENT_IDS = 32
/** Roles stored as one byte (with the origin); any other role is stored as a string. */
const ROLES = ['viewer', 'staff', 'lead', 'manager', 'admin', 'system'] as const
const OTHER_ROLE = ROLES.length

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
  return body
}

const formatOne = (body: Uint8Array): Uint8Array => {
  if (body[0] !== FORMAT) throw new DecodeError(`unknown format ${body[0]}`)
  return body
}

/** The format of a value's body (its first byte's low bits). */
function formatOf(body: Uint8Array, accepted: readonly number[]): number {
  const format = body[0]! & FORMAT_BITS
  if (!accepted.includes(format)) throw new DecodeError(`unknown format ${body[0]}`)
  return format
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

/** Runs a decoder on a body from just after its format byte; any failure (short read, bad JSON) becomes a DecodeError. */
function decodeWith<T>(body: Uint8Array, read: (decoder: decoding.Decoder) => T): T {
  try {
    const decoder = decoding.createDecoder(body)
    decoding.readUint8(decoder) // the format, checked by the caller
    return read(decoder)
  } catch (error) {
    throw error instanceof DecodeError ? error : new DecodeError(`undecodable: ${(error as Error).message}`)
  }
}

const sameIds = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((id, i) => id === b[i])

/** `updateIds`: the update's own client ids (`updateClientIds`, from the append's validation). */
export function encodeEntry(key: Uint8Array, meta: EntryMeta, update: Uint8Array, updateIds: readonly number[]): Uint8Array {
  const listIds = !sameIds(meta.clientIds, updateIds)
  const roleIndex = ROLES.indexOf(meta.role as (typeof ROLES)[number])
  const encoder = encoding.createEncoder()
  encoding.writeUint8(
    encoder,
    FORMAT_2 | (meta.clientTime === undefined ? 0 : V2_CLIENT_TIME) | (meta.details === undefined ? 0 : V2_DETAILS) | (listIds ? V2_CLIENT_IDS : 0),
  )
  encoding.writeVarUint(encoder, meta.receivedAt)
  if (meta.clientTime !== undefined) encoding.writeVarInt(encoder, meta.clientTime - meta.receivedAt)
  encoding.writeVarString(encoder, meta.actor)
  encoding.writeUint8(encoder, ORIGINS.indexOf(meta.origin) + 8 * (roleIndex < 0 ? OTHER_ROLE : roleIndex))
  if (roleIndex < 0) encoding.writeVarString(encoder, meta.role)
  if (listIds) {
    encoding.writeVarUint(encoder, meta.clientIds.length)
    for (const id of meta.clientIds) encoding.writeVarUint(encoder, id)
  }
  if (meta.details !== undefined) encoding.writeVarString(encoder, JSON.stringify(meta.details))
  return seal(key, encoding.toUint8Array(encoder), update)
}

/** Reads a format-2 entry's meta up to the update; client ids are left empty when they are the update's. */
function readMetaV2(decoder: decoding.Decoder, head: number): { meta: EntryMeta; idsListed: boolean } {
  const receivedAt = decoding.readVarUint(decoder)
  const clientTime = (head & V2_CLIENT_TIME) === 0 ? undefined : receivedAt + decoding.readVarInt(decoder)
  const actor = decoding.readVarString(decoder)
  const originRole = decoding.readUint8(decoder)
  const origin = ORIGINS[originRole % 8]
  if (origin === undefined) throw new DecodeError('unknown origin')
  const roleIndex = Math.floor(originRole / 8)
  const role = roleIndex === OTHER_ROLE ? decoding.readVarString(decoder) : ROLES[roleIndex]
  if (role === undefined) throw new DecodeError('unknown role')
  const clientIds: number[] = []
  const idsListed = (head & V2_CLIENT_IDS) !== 0
  if (idsListed) for (let n = decoding.readVarUint(decoder); n > 0; n--) clientIds.push(decoding.readVarUint(decoder))
  const meta: EntryMeta = { actor, role, origin, clientIds, receivedAt }
  if (clientTime !== undefined) meta.clientTime = clientTime
  if ((head & V2_DETAILS) !== 0) meta.details = JSON.parse(decoding.readVarString(decoder)) as Record<string, unknown>
  return { meta, idsListed }
}

/** An entry's update, checksum verified, without building its meta (loads). */
function entryParts(key: Uint8Array, value: Uint8Array): { meta: EntryMeta; idsListed: boolean; update: Uint8Array } {
  const body = unseal(key, value)
  const format = formatOf(body, [FORMAT, FORMAT_2])
  return decodeWith(body, (decoder) => {
    const parts = format === FORMAT ? { meta: readMeta(decoder), idsListed: true } : readMetaV2(decoder, body[0]!)
    const update = plainView(body, decoder.pos)
    if (update.length === 0) throw new DecodeError('empty update')
    return { ...parts, update }
  })
}

export function decodeEntry(key: Uint8Array, value: Uint8Array): { meta: EntryMeta; update: Uint8Array } {
  const { meta, idsListed, update } = entryParts(key, value)
  if (!idsListed) {
    try {
      meta.clientIds = updateClientIds(update)
    } catch (error) {
      throw new DecodeError(`undecodable update: ${(error as Error).message}`)
    }
  }
  return { meta, update }
}

const skipString = (decoder: decoding.Decoder): void => {
  const length = decoding.readVarUint(decoder) // read first: `pos += read()` would add to the old pos
  decoder.pos += length
}

/** Moves the decoder past an entry's meta without building it (format from the head byte). */
function skipMeta(decoder: decoding.Decoder, head: number): void {
  if ((head & FORMAT_BITS) === FORMAT) {
    decoding.readVarUint(decoder)
    const flags = decoding.readUint8(decoder)
    if ((flags & HAS_CLIENT_TIME) !== 0) decoding.readVarInt(decoder)
    skipString(decoder)
    skipString(decoder)
    decoding.readUint8(decoder)
    for (let n = decoding.readVarUint(decoder); n > 0; n--) decoding.readVarUint(decoder)
    if ((flags & HAS_DETAILS) !== 0) skipString(decoder)
    return
  }
  decoding.readVarUint(decoder)
  if ((head & V2_CLIENT_TIME) !== 0) decoding.readVarInt(decoder)
  skipString(decoder)
  if (Math.floor(decoding.readUint8(decoder) / 8) === OTHER_ROLE) skipString(decoder)
  if ((head & V2_CLIENT_IDS) !== 0) for (let n = decoding.readVarUint(decoder); n > 0; n--) decoding.readVarUint(decoder)
  if ((head & V2_DETAILS) !== 0) skipString(decoder)
}

/** Only the update of an entry (for loads), checksum verified; the meta is skipped, not built. */
export function decodeEntryUpdate(key: Uint8Array, value: Uint8Array): Uint8Array {
  const body = unseal(key, value)
  formatOf(body, [FORMAT, FORMAT_2])
  return decodeWith(body, (decoder) => {
    skipMeta(decoder, body[0]!)
    if (decoder.pos >= body.length) throw new DecodeError('empty update')
    return plainView(body, decoder.pos)
  })
}

/** Only the receivedAt of an entry (for lookups by time), checksum verified. Both formats start with it. */
export function decodeEntryTime(key: Uint8Array, value: Uint8Array): number {
  const body = unseal(key, value)
  formatOf(body, [FORMAT, FORMAT_2])
  return decodeWith(body, (decoder) => decoding.readVarUint(decoder))
}

export interface Checkpoint {
  /** receivedAt of the entry the checkpoint ends at. */
  time: number
  /** The document's state as a Yjs update. */
  state: Uint8Array
  /** How `state` is encoded: v2 now (about 1/20 of v1 for long histories), v1 in checkpoints of format 1. */
  encoding: 'v1' | 'v2'
}

export function encodeCheckpoint(key: Uint8Array, checkpoint: Omit<Checkpoint, 'encoding'>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, FORMAT_2)
  encoding.writeVarUint(encoder, checkpoint.time)
  return seal(key, encoding.toUint8Array(encoder), checkpoint.state)
}

export function decodeCheckpoint(key: Uint8Array, value: Uint8Array): Checkpoint {
  const body = unseal(key, value)
  const format = formatOf(body, [FORMAT, FORMAT_2])
  return decodeWith(body, (decoder) => ({
    time: decoding.readVarUint(decoder),
    state: plainView(body, decoder.pos),
    encoding: format === FORMAT ? ('v1' as const) : ('v2' as const),
  }))
}

/** What the log knows about a document beyond its entries. */
export interface DocRecord {
  /** History up to and including baseSeq is gone; the state at baseSeq is the base. */
  baseSeq: number
  baseTime: number
  /** The base is the checkpoint at baseSeq (retention), otherwise empty (a removed name written again). */
  baseIsCheckpoint: boolean
  /**
   * The next append gets at least this number (numbers cut or removed are not reused). Seqs below it
   * that are neither stored, nor cut, nor at or before the base are missing: acknowledged entries that
   * storage lost (lost.ts moves it past them).
   */
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
  return decodeWith(formatOne(unseal(key, value)), (decoder) => {
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
  return decodeWith(formatOne(unseal(key, value)), readMeta)
}

/**
 * The directory's format: 2 once this version has opened it (entries and checkpoints of format 2 may
 * be present, which older versions cannot read: they refuse to open it with ROTA_LOG_OPEN_FAILED).
 * Directories of format 1 are read as they are and upgraded in place (their values stay).
 */
export const DIRECTORY_FORMAT = 2

export function encodeFormat(key: Uint8Array): Uint8Array {
  return seal(key, new Uint8Array([DIRECTORY_FORMAT]))
}

/** The directory format stored under the format key; throws DecodeError for an unknown one. */
export function checkFormat(key: Uint8Array, value: Uint8Array): number {
  const body = unseal(key, value)
  if (body.length !== 1 || (body[0] !== FORMAT && body[0] !== DIRECTORY_FORMAT)) throw new DecodeError(`unknown directory format ${body[0]}`)
  return body[0]
}
