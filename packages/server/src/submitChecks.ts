/**
 * The checks an editor's update passes before it touches the room's document (pipeline.ts): the judgement
 * made before applying (on the author's view, or on a copy for strict callers), and who writes which Yjs
 * client id.
 */
import * as Y from 'yjs'
import type { DeniedChange } from '@rota/protocol'
import { RotaServerError, ServerErrorCode } from './errors.ts'
import { serverAuthor, type Room } from './room.ts'
import { copyOf, judgeOnView, refusalDetails } from './admit.ts'
import type { Identity, ServerHooks } from './types.ts'
import type { SubmitOptions } from './pipeline.ts'

export const forbidden = (room: Room, reason: string, details: Record<string, unknown> = {}): RotaServerError =>
  new RotaServerError(ServerErrorCode.Forbidden, reason, { doc: room.name, ...details })

/**
 * What of the update is refused, decided before the room's document is touched: on the author's view
 * when there is one, and for strict callers (REST) on a copy, so that a refusal applies nothing.
 * undefined: judge inside the room's transaction (a live WebSocket update, see admit.ts).
 */
export const judgeFirst = (hooks: ServerHooks, room: Room, update: Uint8Array, identity: Identity, options: SubmitOptions): DeniedChange[] | undefined => {
  if (identity.role === 'viewer') throw forbidden(room, 'viewer is read-only')
  if (options.view === undefined && options.onDenied !== undefined) return undefined
  const view = options.view ?? copyOf(room.ydoc)
  const refused = judgeOnView(hooks, identity, view, update, room.name)
  if (options.view === undefined) view.destroy()
  if (refused === 'pending') {
    throw new RotaServerError(ServerErrorCode.ForgedView, 'the update was not made on the state its connection declared', { doc: room.name })
  }
  if (refused.length > 0 && options.onDenied === undefined) throw forbidden(room, refused[0]!.reason, { refused: refusalDetails(refused) })
  return refused
}

/**
 * New structs of a client id another editor wrote since the room loaded, or of the room's own, are
 * refused: once the server held such a struct it would skip the real one with the same id (the other
 * editor's next edit, lost without a word). A client id first applied from this editor's live edit becomes theirs
 * (a sync reply claims none: pipeline.ts, SubmitOptions.reply).
 * Ids from before the room loaded are not known and not checked (a client giving back edits the server
 * lost may carry anyone's).
 */
export const newClients = (room: Room, to: Map<number, number>): number[] =>
  [...to].filter(([client, clock]) => clock > Y.getState(room.ydoc.store, client)).map(([client]) => client)

export const checkClients = (room: Room, clients: number[], identity: Identity): void => {
  for (const client of clients) {
    const owner = client === room.ydoc.clientID ? serverAuthor : room.authors.get(client)
    if (owner !== undefined && owner !== identity.sub) {
      throw forbidden(room, `the update carries new structs of Yjs client ${client}, which another editor writes`, { client })
    }
  }
}
