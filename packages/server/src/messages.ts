import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as authProtocol from 'y-protocols/auth'
import { MessageType, writeDeniedNotice, type DeniedNotice } from '@rota/protocol'
import { RotaServerError, ServerErrorCode } from './errors.ts'

/** A message from a client, decoded. The first varuint is the MessageType; sync has a subtype. */
export type ClientMessage =
  | { kind: 'syncStep1'; stateVector: Uint8Array }
  | { kind: 'syncStep2'; update: Uint8Array }
  | { kind: 'update'; update: Uint8Array }
  | { kind: 'awareness'; update: Uint8Array }
  | { kind: 'queryAwareness' }
  | { kind: 'auth' }

const bad = (message: string, details?: Record<string, unknown>) =>
  new RotaServerError(ServerErrorCode.BadMessage, message, details)

const readPayload = (decoder: decoding.Decoder): Uint8Array => decoding.readVarUint8Array(decoder)

/** Decodes one client message; throws ROTA_ERR_BAD_MESSAGE for anything else (unknown type, truncated, trailing bytes). */
export const readClientMessage = (bytes: Uint8Array): ClientMessage => {
  const decoder = decoding.createDecoder(bytes)
  let message: ClientMessage
  try {
    const type = decoding.readVarUint(decoder)
    switch (type) {
      case MessageType.Sync: {
        const subtype = decoding.readVarUint(decoder)
        if (subtype === syncProtocol.messageYjsSyncStep1) message = { kind: 'syncStep1', stateVector: readPayload(decoder) }
        else if (subtype === syncProtocol.messageYjsSyncStep2) message = { kind: 'syncStep2', update: readPayload(decoder) }
        else if (subtype === syncProtocol.messageYjsUpdate) message = { kind: 'update', update: readPayload(decoder) }
        else throw bad(`unknown sync message subtype ${subtype}`, { subtype })
        break
      }
      case MessageType.Awareness:
        message = { kind: 'awareness', update: readPayload(decoder) }
        break
      case MessageType.QueryAwareness:
        message = { kind: 'queryAwareness' }
        break
      case MessageType.Auth:
        // Clients have nothing to say in the auth protocol; tokens travel in the URL.
        decoder.pos = bytes.length
        message = { kind: 'auth' }
        break
      default:
        throw bad(`unknown message type ${type}`, { type })
    }
  } catch (err) {
    if (err instanceof RotaServerError) throw err
    throw bad('message does not decode', { cause: err instanceof Error ? err.message : String(err) })
  }
  if (decoding.hasContent(decoder)) throw bad('message has trailing bytes', { trailing: bytes.length - decoder.pos })
  return message
}

const encode = (write: (encoder: encoding.Encoder) => void): Uint8Array => {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** Sync step 1 with a state vector (Room.stateVector: read from a hibernating room's encoded state too). */
export const syncStep1Of = (stateVector: Uint8Array): Uint8Array =>
  encode((encoder) => {
    encoding.writeVarUint(encoder, MessageType.Sync)
    encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep1)
    encoding.writeVarUint8Array(encoder, stateVector)
  })

/** Sync step 2 carrying `update`: what the client lacks (Room.diff). */
export const syncStep2Of = (update: Uint8Array): Uint8Array =>
  encode((encoder) => {
    encoding.writeVarUint(encoder, MessageType.Sync)
    encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2)
    encoding.writeVarUint8Array(encoder, update)
  })

export const syncStep1Message = (doc: Y.Doc): Uint8Array => syncStep1Of(Y.encodeStateVector(doc))

export const syncStep2Message = (doc: Y.Doc, stateVector: Uint8Array): Uint8Array => syncStep2Of(Y.encodeStateAsUpdate(doc, stateVector))

/** Wraps the update bytes as they are (no re-encoding): [0, 2, length, ...update]. */
export const updateMessage = (update: Uint8Array): Uint8Array =>
  encode((encoder) => {
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeUpdate(encoder, update)
  })

export const awarenessMessage = (awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array =>
  encode((encoder) => {
    encoding.writeVarUint(encoder, MessageType.Awareness)
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients))
  })

export const permissionDeniedMessage = (reason: string): Uint8Array =>
  encode((encoder) => {
    encoding.writeVarUint(encoder, MessageType.Auth)
    authProtocol.writePermissionDenied(encoder, reason)
  })

/** Decodes a state vector sent by a client, refusing malformed bytes. */
export const readStateVector = (bytes: Uint8Array): Map<number, number> => {
  try {
    return Y.decodeStateVector(bytes)
  } catch (err) {
    throw bad('state vector does not decode', { cause: err instanceof Error ? err.message : String(err) })
  }
}

/** RotaDenied: which changes of the client's update the server took out (Rota clients only). */
export const deniedMessage = (notice: DeniedNotice): Uint8Array => encode((encoder) => writeDeniedNotice(encoder, notice))
