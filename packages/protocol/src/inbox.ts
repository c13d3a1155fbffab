import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { MessageType } from './messageType.ts'

/**
 * A push that inboxes of some of the document's people got new items (a publication, a change to a
 * published shift), so a provider can refresh its user's inbox without polling. It names the staff ids
 * only, never what the items say: the server sends one message to every Rota connection of the document
 * (`Rooms.broadcast`), and whoever reads the document sees its assignees anyway. The items themselves come
 * from the HTTP API (`GET /api/inbox`), per user.
 */
export interface InboxNotice {
  /** Staff ids (`staff.<id>` of the document) whose inbox got at least one new or updated item. */
  recipients: string[]
  /** What caused it: `published` or `changed_after_publication`. */
  reason: string
}

export const writeInboxNotice = (encoder: encoding.Encoder, notice: InboxNotice): void => {
  encoding.writeVarUint(encoder, MessageType.RotaInbox)
  encoding.writeVarString(encoder, JSON.stringify(notice))
}

export const readInboxNotice = (decoder: decoding.Decoder): InboxNotice => {
  const value: unknown = JSON.parse(decoding.readVarString(decoder))
  if (typeof value !== 'object' || value === null) throw new TypeError('inbox notice is not an object')
  const { recipients, reason } = value as Partial<InboxNotice>
  if (!Array.isArray(recipients) || typeof reason !== 'string') throw new TypeError('inbox notice has the wrong shape')
  return { recipients: recipients.map(String), reason }
}
