import * as Y from 'yjs'
import { itemRefs } from '@rota/model'
import { decodeUpdateOnce } from '@rota/auth'
import { RotaServerError, ServerErrorCode } from './errors.ts'
import { assertV1Update } from './updateFormat.ts'

export interface UpdateInfo {
  /** Per client id, the clock after the update's last struct (as `Y.parseUpdateMeta(update).to`). */
  to: Map<number, number>
  /** No structs and no deletions: nothing to store. */
  empty: boolean
  /** Some struct starts below `doc`'s clock for its client (a copy of what the document holds). */
  overlaps: boolean
}

/**
 * A struct the document already holds whose copy here names ids the document lacks: a forgery, as the
 * document integrated the real one after everything it names. Yjs checks dependencies before it skips a
 * known struct, so it keeps the copy pending for good; the log would then hold two versions of one id,
 * and a merged replay (Y.mergeUpdates keeps one) can drop the real one and everything built on it.
 */
const forgedCopy = (store: Y.Doc['store'], struct: Y.Item | Y.GC | Y.Skip): Y.ID | undefined => {
  if (!(struct instanceof Y.Item) || struct.id.clock >= Y.getState(store, struct.id.client)) return undefined
  return itemRefs(struct).find((ref) => ref.clock >= Y.getState(store, ref.client))
}

/**
 * Decodes a Yjs v1 update completely (structs, contents, delete set) before anything is
 * stored, so bytes that only look like an update are refused with ROTA_ERR_BAD_UPDATE.
 * An update whose dependencies are missing decodes fine: Yjs keeps it pending, and so do we. With
 * `doc`, a copy of a struct the document holds that names ids it lacks is refused (see forgedCopy).
 */
export const inspectUpdate = (update: Uint8Array, doc?: Y.Doc): UpdateInfo => {
  // A v2 update would "apply" as an empty v1 one and be acknowledged while nothing was kept (every source).
  assertV1Update(update)
  // Decoded once for the core's guards, the auth checks and this (see decodeUpdateOnce).
  const decoded = decodeUpdateOnce(update)
  if (typeof decoded === 'string') throw new RotaServerError(ServerErrorCode.BadUpdate, 'update does not decode', { cause: decoded })
  const to = new Map<number, number>()
  let overlaps = false
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id
    if (!Number.isSafeInteger(clock) || struct.length < 0) {
      throw new RotaServerError(ServerErrorCode.BadUpdate, 'update holds an impossible struct', { client, clock })
    }
    if (doc !== undefined && !(struct instanceof Y.Skip) && clock < Y.getState(doc.store, client)) overlaps = true
    const forged = doc === undefined ? undefined : forgedCopy(doc.store, struct)
    if (forged !== undefined) {
      throw new RotaServerError(ServerErrorCode.BadUpdate, 'update rewrites a known struct with unknown references', {
        client,
        clock,
        missing: `${forged.client}:${forged.clock}`,
      })
    }
    to.set(client, Math.max(to.get(client) ?? 0, clock + struct.length))
  }
  return { to, empty: decoded.structs.length === 0 && decoded.ds.clients.size === 0, overlaps }
}

/** No structs and no deletions (a client's sync reply when it has nothing new). Reads only the counts. */
export const isEmptyUpdate = (update: Uint8Array): boolean => update.length === 2 && update[0] === 0 && update[1] === 0
