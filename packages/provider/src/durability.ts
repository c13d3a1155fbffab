import * as Y from 'yjs'
import { isCoveredBy, mergeClocks, type DurableClocks } from '@rota/protocol'

/** A change the server has not yet confirmed as durable. */
interface PendingChange {
  /** For each client id, the clock the server must hold durably (end of the change's structs). */
  clocks: Map<number, number>
  /** Deletions add no struct, so no clock confirms them: only an ordered acknowledgement can. */
  hasDeletes: boolean
  /** Position among the updates sent on the current connection, or null when not sent on it. */
  sent: number | null
}

/** Whether an update carries nothing: no structs and no deletions. */
export const isEmptyUpdate = (update: Uint8Array): boolean => {
  const { structs, ds } = Y.decodeUpdate(update)
  return structs.length === 0 && ds.clients.size === 0
}

/**
 * Decides `saved`: which changes of this document the server holds durably.
 *
 * The server sends a RotaDurable acknowledgement (a) right after its sync step 2 in reply to each
 * sync step 1, with its durable clocks for every client id the client knows, and (b) for each
 * update the connection submitted, once that append and all appends before it have settled.
 * The (b) acknowledgements therefore arrive in the order the updates were sent, which confirms
 * deletions too; clocks from either kind confirm changes made of structs.
 *
 * Updates the server broadcasts, and its sync step 2, prove nothing: the server applies and
 * broadcasts an update before its append has reached the disk.
 */
export class SaveTracker {
  readonly durable: DurableClocks = new Map()
  private pending: PendingChange[] = []
  private sentCount = 0
  private ackCount = 0
  /** False once the server refused an update on this connection: then acks no longer pair up with sends. */
  private ordered = true

  /**
   * A change that did not come from the server: a local edit (`sent` when it went out on the open
   * socket), an edit from another tab, or the local store's state.
   */
  addChange(update: Uint8Array, options: { sent: boolean; trackDeletes: boolean }): void {
    const clocks = Y.parseUpdateMeta(update).to
    const hasDeletes = options.trackDeletes && Y.decodeUpdate(update).ds.clients.size > 0
    if (clocks.size === 0 && !hasDeletes) return
    this.pending.push({ clocks, hasDeletes, sent: options.sent ? ++this.sentCount : null })
    this.settle()
  }

  /**
   * The client answered the server's sync step 1 with its state diff. The server acknowledges the
   * answer even when it is empty, so it always counts as a send. A non-empty answer carries every
   * pending change (the diff holds all structs the server lacks and the whole delete set). An empty
   * one is acknowledged at once, ahead of appends still pending, so it confirms nothing: changes
   * then wait for clocks.
   */
  answeredSyncStep1(empty: boolean): void {
    this.sentCount++
    if (empty) return
    for (const change of this.pending) change.sent = this.sentCount
  }

  /** `ordered`: an acknowledgement of kind (b), i.e. not the reply to a sync step 1. */
  acknowledged(clocks: Map<number, number>, ordered: boolean): void {
    mergeClocks(this.durable, clocks)
    if (ordered) this.ackCount++
    this.settle()
  }

  /** The server refused an update (permission denied): stop pairing acks with sends on this connection. */
  refused(): void {
    this.ordered = false
  }

  /** A new connection starts: nothing is sent on it yet. */
  newConnection(): void {
    this.sentCount = 0
    this.ackCount = 0
    this.ordered = true
    for (const change of this.pending) change.sent = null
  }

  get unsyncedChanges(): number {
    return this.pending.length
  }

  /** Some pending change can only be confirmed by clocks (not sent on this connection). */
  get awaitsClocks(): boolean {
    return this.pending.some((change) => change.sent === null && !change.hasDeletes)
  }

  private settle(): void {
    this.pending = this.pending.filter((change) => {
      if (this.ordered && change.sent !== null && change.sent <= this.ackCount) return false
      return change.hasDeletes || !isCoveredBy(change.clocks, this.durable)
    })
  }
}
