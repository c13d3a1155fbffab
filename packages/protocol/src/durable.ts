import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { MessageType } from './messageType.ts'

/**
 * A "durable" acknowledgement: for some Yjs client ids, the clock up to which the
 * server holds that client's structs in its log on durable storage.
 *
 * The payload is a Yjs state vector (v1 encoding: count, then clientId/clock pairs),
 * so `Y.decodeStateVector` reads it too. A client knows its edits are saved when,
 * for every client id in its own state vector, the durable clock has caught up.
 */
export type DurableClocks = Map<number, number>

export const writeDurable = (encoder: encoding.Encoder, clocks: DurableClocks): void => {
  encoding.writeVarUint(encoder, MessageType.RotaDurable)
  encoding.writeVarUint(encoder, clocks.size)
  for (const [client, clock] of clocks) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, clock)
  }
}

/** Reads the payload after the message type has been read. */
export const readDurable = (decoder: decoding.Decoder): DurableClocks => {
  const clocks: DurableClocks = new Map()
  const count = decoding.readVarUint(decoder)
  for (let i = 0; i < count; i++) {
    const client = decoding.readVarUint(decoder)
    clocks.set(client, decoding.readVarUint(decoder))
  }
  return clocks
}

export const encodeDurable = (clocks: DurableClocks): Uint8Array => {
  const encoder = encoding.createEncoder()
  writeDurable(encoder, clocks)
  return encoding.toUint8Array(encoder)
}

/**
 * True when every clock in `local` (a state vector, e.g. `Y.decodeStateVector(Y.encodeStateVector(doc))`)
 * is covered by `durable`. Client ids absent from `local` do not matter.
 */
export const isCoveredBy = (local: Map<number, number>, durable: DurableClocks): boolean => {
  for (const [client, clock] of local) if ((durable.get(client) ?? 0) < clock) return false
  return true
}

/** Merges `update` into `into`, keeping the higher clock per client. Returns `into`. */
export const mergeClocks = (into: DurableClocks, update: Map<number, number>): DurableClocks => {
  for (const [client, clock] of update) if ((into.get(client) ?? 0) < clock) into.set(client, clock)
  return into
}
