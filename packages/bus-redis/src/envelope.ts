/**
 * The bytes of one bus message on Redis: `u8 version | u8 kind | varString from | …`, lib0 encoding,
 * encoder and decoder side by side. Document messages then carry `varString doc`, and:
 * - update: `varUint seq | varUint8Array update`
 * - awareness: `varUint8Array update`; notice: `varUint8Array message`; query-awareness: nothing more.
 * heartbeat and leave carry nothing more. The version leads so that a later format can be told apart
 * during a rolling upgrade (a receiver drops what it cannot read: the heads repair covers updates).
 * Pinned by byte vectors in envelope.test.ts.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { BusMessage, BusMessageKind } from '@rota/server'
import { BusErrorCode, RotaBusError } from './errors.ts'

export const envelopeVersion = 1

/** Wire numbers of the kinds: append only, never renumber. */
export const KindCode = {
  update: 0,
  awareness: 1,
  'query-awareness': 2,
  notice: 3,
  heartbeat: 4,
  leave: 5,
} as const satisfies Record<BusMessageKind, number>

const kindOf = new Map<number, BusMessageKind>(Object.entries(KindCode).map(([kind, code]) => [code, kind as BusMessageKind]))

export const encodeEnvelope = (from: string, message: BusMessage): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, envelopeVersion)
  encoding.writeUint8(encoder, KindCode[message.kind])
  encoding.writeVarString(encoder, from)
  switch (message.kind) {
    case 'update':
      encoding.writeVarString(encoder, message.doc)
      encoding.writeVarUint(encoder, message.seq)
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'awareness':
      encoding.writeVarString(encoder, message.doc)
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'notice':
      encoding.writeVarString(encoder, message.doc)
      encoding.writeVarUint8Array(encoder, message.message)
      break
    case 'query-awareness':
      encoding.writeVarString(encoder, message.doc)
      break
    case 'heartbeat':
    case 'leave':
      break
  }
  return encoding.toUint8Array(encoder)
}

/** Throws RotaBusError ROTA_BUS_BAD_ENVELOPE on another version, an unknown kind, or trailing or missing bytes. */
const bad = (reason: string) => new RotaBusError(BusErrorCode.BadEnvelope, reason)

export const decodeEnvelope = (bytes: Uint8Array): { from: string; message: BusMessage } => {
  const decoder = decoding.createDecoder(bytes)
  try {
    const version = decoding.readUint8(decoder)
    if (version !== envelopeVersion) throw bad(`bus envelope version ${version}, expected ${envelopeVersion}`)
    const kind = kindOf.get(decoding.readUint8(decoder))
    if (kind === undefined) throw bad('unknown bus message kind')
    const from = decoding.readVarString(decoder)
    const message = readBody(decoder, kind)
    if (decoding.hasContent(decoder)) throw bad('trailing bytes after a bus message')
    return { from, message }
  } catch (err) {
    if (err instanceof RotaBusError) throw err
    throw new RotaBusError(BusErrorCode.BadEnvelope, 'bus message does not decode', {}, { cause: err })
  }
}

const readBody = (decoder: decoding.Decoder, kind: BusMessageKind): BusMessage => {
  switch (kind) {
    case 'update': {
      const doc = decoding.readVarString(decoder)
      const seq = decoding.readVarUint(decoder)
      return { kind, doc, seq, update: decoding.readVarUint8Array(decoder).slice() }
    }
    case 'awareness': {
      const doc = decoding.readVarString(decoder)
      return { kind, doc, update: decoding.readVarUint8Array(decoder).slice() }
    }
    case 'notice': {
      const doc = decoding.readVarString(decoder)
      return { kind, doc, message: decoding.readVarUint8Array(decoder).slice() }
    }
    case 'query-awareness':
      return { kind, doc: decoding.readVarString(decoder) }
    case 'heartbeat':
    case 'leave':
      return { kind }
  }
}
