import * as Y from 'yjs'
import { RotaServerError, ServerErrorCode } from './errors.ts'

export interface UpdateInfo {
  /** Per client id, the clock after the update's last struct (as `Y.parseUpdateMeta(update).to`). */
  to: Map<number, number>
  /** No structs and no deletions: nothing to store. */
  empty: boolean
}

/**
 * Decodes a Yjs v1 update completely (structs, contents, delete set) before anything is
 * stored, so bytes that only look like an update are refused with ROTA_ERR_BAD_UPDATE.
 * An update whose dependencies are missing decodes fine: Yjs keeps it pending, and so do we.
 */
export const inspectUpdate = (update: Uint8Array): UpdateInfo => {
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch (err) {
    throw new RotaServerError(ServerErrorCode.BadUpdate, 'update does not decode', {
      cause: err instanceof Error ? err.message : String(err),
    })
  }
  const to = new Map<number, number>()
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id
    if (!Number.isSafeInteger(clock) || struct.length < 0) {
      throw new RotaServerError(ServerErrorCode.BadUpdate, 'update holds an impossible struct', { client, clock })
    }
    to.set(client, Math.max(to.get(client) ?? 0, clock + struct.length))
  }
  return { to, empty: decoded.structs.length === 0 && decoded.ds.clients.size === 0 }
}
