/**
 * How far back a document's history is kept in memory: as far as causality can still need it. A session
 * that reconnects claims the view it had when it was last seen, so entries since the oldest last-seen
 * point of any session seen within `recentMs` are kept; never more than `maxEntries` (the server builds
 * no view reaching further back: packages/server/src/view.ts, `maxViewEntries`), never fewer than
 * `minEntries` (a live edit can race the last round trip's updates, [V2]). A view older than what is kept
 * is read back from the log (history.ts `restore`), so this bounds memory, never correctness.
 */
export interface RetentionOptions {
  maxEntries: number
  minEntries: number
  recentMs: number
}

export const defaultRetention: RetentionOptions = { maxEntries: 10_000, minEntries: 256, recentMs: 10 * 60_000 }

/** Sessions (Yjs client ids) by the last entry they wrote. */
export class Sessions {
  private readonly lastSeen = new Map<number, { seq: number; at: number }>()

  seen(clients: Iterable<number>, seq: number, at: number): void {
    for (const client of clients) this.lastSeen.set(client, { seq, at })
  }

  /** The oldest view a session seen since `since` can claim (the state before its last entry); forgets older ones. */
  oldestClaim(since: number): number | undefined {
    let oldest: number | undefined
    for (const [client, { seq, at }] of this.lastSeen) {
      if (at < since) this.lastSeen.delete(client)
      else oldest = Math.min(oldest ?? seq - 1, seq - 1)
    }
    return oldest
  }
}

/** The horizon the policy allows: everything at or below it may be evicted. */
export const policyHorizon = (options: RetentionOptions, head: number, claim: number | undefined): number =>
  Math.max(0, Math.min(head - options.minEntries, Math.max(head - options.maxEntries, claim ?? head)))

/**
 * The highest horizon at or below `wanted` that keeps every retained entry's view readable (each entry
 * has a floor: its oldest unseen entry minus one). `entries` ascending by seq.
 */
export const safeHorizon = (wanted: number, entries: ReadonlyArray<{ seq: number; floor: number }>): number => {
  let lowestFloor = Number.POSITIVE_INFINITY
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as { seq: number; floor: number }
    const h = Math.min(wanted, lowestFloor)
    if (e.seq <= h) return h
    lowestFloor = Math.min(lowestFloor, e.floor)
  }
  return Math.min(wanted, lowestFloor)
}
