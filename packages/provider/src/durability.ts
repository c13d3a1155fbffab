import * as Y from 'yjs'
import { isCoveredBy, mergeClocks, type DurableClocks } from '@rota/protocol'

/** A run of deleted ids of one client: `clock … clock + len − 1`. */
export interface DeleteRange {
  client: number
  clock: number
  len: number
}

/** A change the server has not yet confirmed as durable. */
interface PendingChange {
  /** For each client id, the clock the server must hold durably (end of the change's structs). */
  clocks: Map<number, number>
  /** Deletions in the change that no server message has shown yet. */
  deletes: DeleteRange[]
}

const deleteRangesOf = (update: Uint8Array): DeleteRange[] => {
  const ranges: DeleteRange[] = []
  for (const [client, items] of Y.decodeUpdate(update).ds.clients) {
    for (const { clock, len } of items) if (len > 0) ranges.push({ client, clock, len })
  }
  return ranges
}

/** The parts of `range` that `deleted` (one client's deleted runs, any order) does not cover. */
export const uncovered = (range: DeleteRange, deleted: readonly { clock: number; len: number }[]): DeleteRange[] => {
  const runs = [...deleted].sort((a, b) => a.clock - b.clock)
  const rest: DeleteRange[] = []
  let from = range.clock
  const end = range.clock + range.len
  for (const run of runs) {
    if (from >= end) break
    if (run.clock + run.len <= from) continue
    if (run.clock >= end) break
    if (run.clock > from) rest.push({ client: range.client, clock: from, len: run.clock - from })
    from = Math.max(from, run.clock + run.len)
  }
  if (from < end) rest.push({ client: range.client, clock: from, len: end - from })
  return rest
}

/**
 * Decides `saved`: which local changes the server holds durably.
 *
 * Clocks come from RotaDurable acknowledgements and from updates the server sends (a Rota server
 * appends an update to its log before it broadcasts it, and its sync step 2 is its logged state).
 * Clocks alone miss deletions (a Yjs delete adds no struct, so no clock moves): deletions of a
 * change stay pending until a server message's delete set contains them; the server's sync step 2
 * carries its whole delete set, which is why the provider probes with sync step 1 while deletions
 * are pending.
 */
export class SaveTracker {
  readonly durable: DurableClocks = new Map()
  private pending: PendingChange[] = []

  /** A change that did not come from the server (local edit, another tab, the local store). */
  addChange(update: Uint8Array): void {
    const clocks = Y.parseUpdateMeta(update).to
    const deletes = deleteRangesOf(update)
    if (clocks.size === 0 && deletes.length === 0) return
    this.pending.push({ clocks, deletes })
    this.settle()
  }

  /** A RotaDurable acknowledgement. */
  confirmClocks(clocks: Map<number, number>): void {
    mergeClocks(this.durable, clocks)
    this.settle()
  }

  /** An update (or sync step 2) received from the server: durable by the server's contract. */
  confirmServerUpdate(update: Uint8Array): void {
    mergeClocks(this.durable, Y.parseUpdateMeta(update).to)
    if (this.pending.some((change) => change.deletes.length > 0)) {
      const deleted = Y.decodeUpdate(update).ds.clients
      for (const change of this.pending) {
        change.deletes = change.deletes.flatMap((range) => uncovered(range, deleted.get(range.client) ?? []))
      }
    }
    this.settle()
  }

  /** Number of changes not yet known to be durable on the server. */
  get unsyncedChanges(): number {
    return this.pending.length
  }

  /** True when some unconfirmed change holds deletions (they need a sync step 2 to confirm). */
  get awaitsDeletes(): boolean {
    return this.pending.some((change) => change.deletes.length > 0)
  }

  private settle(): void {
    this.pending = this.pending.filter((change) => change.deletes.length > 0 || !isCoveredBy(change.clocks, this.durable))
  }
}
