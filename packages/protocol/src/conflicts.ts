import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { MessageType } from './messageType.ts'

/**
 * A push to connected editors that the document's conflicts changed, so an inbox
 * can refresh without polling. The payload is a small JSON object (counts by status
 * and the ids that changed); the full objects come from the HTTP API.
 */
export interface ConflictsNotice {
  open: number
  changed: string[]
}

export const writeConflictsNotice = (encoder: encoding.Encoder, notice: ConflictsNotice): void => {
  encoding.writeVarUint(encoder, MessageType.RotaConflicts)
  encoding.writeVarString(encoder, JSON.stringify(notice))
}

export const readConflictsNotice = (decoder: decoding.Decoder): ConflictsNotice => {
  const value: unknown = JSON.parse(decoding.readVarString(decoder))
  if (typeof value !== 'object' || value === null) throw new TypeError('conflicts notice is not an object')
  const { open, changed } = value as Partial<ConflictsNotice>
  if (typeof open !== 'number' || !Array.isArray(changed)) throw new TypeError('conflicts notice has the wrong shape')
  return { open, changed: changed.map(String) }
}
