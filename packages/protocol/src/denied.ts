import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { MessageType } from './messageType.ts'

/** One change of an editor's update that the server did not accept, and why. */
export interface DeniedChange {
  /** Schema path, e.g. `shifts.s4.assignee` (`?` where the place has no path). */
  path: string
  kind: 'set' | 'delete' | 'insert'
  /** What the editor wrote (absent for a deletion). */
  value?: unknown
  /** The value the editor replaced, in their own view. */
  previous?: unknown
  reason: string
}

/**
 * RotaDenied: the server took changes out of an update it otherwise kept. The update's structs are
 * stored (so the editor's later edits still have everything they build on), the refused changes are put
 * back by the server in the same log entry, and this message tells a Rota client which and why. Stock
 * clients get y-protocols' permission-denied instead; both receive the entry that puts the values back.
 */
export interface DeniedNotice {
  /** A stable error code (`ROTA_ERR_FORBIDDEN`). */
  code: string
  changes: DeniedChange[]
}

export const writeDeniedNotice = (encoder: encoding.Encoder, notice: DeniedNotice): void => {
  encoding.writeVarUint(encoder, MessageType.RotaDenied)
  encoding.writeVarString(encoder, JSON.stringify(notice))
}

const kinds = new Set(['set', 'delete', 'insert'])

export const readDeniedNotice = (decoder: decoding.Decoder): DeniedNotice => {
  const value: unknown = JSON.parse(decoding.readVarString(decoder))
  if (typeof value !== 'object' || value === null) throw new TypeError('denied notice is not an object')
  const { code, changes } = value as Partial<DeniedNotice>
  if (typeof code !== 'string' || !Array.isArray(changes)) throw new TypeError('denied notice has the wrong shape')
  return {
    code,
    changes: changes.map((change: Partial<DeniedChange>) => {
      if (typeof change?.path !== 'string' || !kinds.has(String(change.kind)) || typeof change.reason !== 'string') {
        throw new TypeError('denied change has the wrong shape')
      }
      return change as DeniedChange
    }),
  }
}
