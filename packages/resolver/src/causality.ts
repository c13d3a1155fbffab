/**
 * Which log entry wrote each Yjs clock and which entries deleted it: what lets the resolver read any
 * author's view out of its one (gc: false) copy of the document instead of rebuilding a document per view
 * (reader.ts). Entries older than `horizon` are evicted (retention.ts): their clocks and deletions count
 * as known to every view, which is what the horizon promises.
 */
export interface ClockRange { client: number; from: number; to: number }
export interface DeleteRange { client: number; clock: number; len: number }
export type InView = (seq: number) => boolean

interface Written { from: number; to: number; seq: number }

export class Causality {
  /** Per client, sorted by clock and disjoint: the entry that brought each clock. */
  private readonly written = new Map<number, Written[]>()
  /** Per client and clock, the retained entries whose delete set covers it. */
  private readonly deleters = new Map<number, Map<number, number[]>>()
  /** Per client and clock, the smallest evicted entry that deleted it. */
  private readonly evictedDeleters = new Map<number, Map<number, number>>()
  /** Every entry with a seq at or below this is evicted: in every view. */
  horizon = 0

  /**
   * Records an entry's structs and deletions. Clocks another entry brought already stay that entry's
   * (a reply can repeat structs the server had); returns the ranges that are this entry's own.
   */
  add(seq: number, structs: ClockRange[], deletes: DeleteRange[]): ClockRange[] {
    const own: ClockRange[] = []
    for (const { client, from, to } of structs) {
      const list = this.written.get(client) ?? []
      const start = Math.max(from, list.at(-1)?.to ?? 0)
      if (to <= start) continue
      list.push({ from: start, to, seq })
      this.written.set(client, list)
      own.push({ client, from: start, to })
    }
    for (const { client, clock, len } of deletes) {
      const byClock = this.deleters.get(client) ?? new Map<number, number[]>()
      this.deleters.set(client, byClock)
      for (let c = clock; c < clock + len; c++) byClock.set(c, [...(byClock.get(c) ?? []), seq])
    }
    return own
  }

  /** The retained entry that brought this clock; undefined for an evicted (or unknown) one. */
  seqOf(client: number, clock: number): number | undefined {
    const list = this.written.get(client)
    if (list === undefined) return undefined
    let lo = 0
    let hi = list.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const w = list[mid] as Written
      if (clock < w.from) hi = mid - 1
      else if (clock >= w.to) lo = mid + 1
      else return w.seq
    }
    return undefined
  }

  /** Whether a clock is in a view: brought by an evicted entry or one the view holds. */
  holds(client: number, clock: number, inView: InView): boolean {
    const seq = this.seqOf(client, clock)
    return seq === undefined || inView(seq)
  }

  /**
   * Whether a clock is deleted in a view: an evicted entry or one the view holds deleted it. Deletions Yjs
   * makes while integrating (a map value losing to a concurrent one) are in no delete set: rightly, since
   * in a view without the winner the loser is the visible value.
   */
  deletedIn(client: number, clock: number, inView: InView): boolean {
    const evicted = this.evictedDeleters.get(client)?.get(clock)
    if (evicted !== undefined && evicted <= this.horizon) return true
    return this.deleters.get(client)?.get(clock)?.some(inView) ?? false
  }

  /**
   * Starts from a state loaded from the log at `seq` rather than from its entries: everything in it counts
   * as seen by every view, and `deletes` (its whole delete set) as deleted in every view.
   */
  loaded(seq: number, deletes: DeleteRange[]): void {
    this.horizon = Math.max(this.horizon, seq)
    this.evict(seq, [{ seq: 0, deletes }])
  }

  /** Forgets the entries up to `horizon` (they count as seen by every view from now on). */
  evict(horizon: number, entries: Iterable<{ seq: number; deletes: DeleteRange[] }>): void {
    this.horizon = Math.max(this.horizon, horizon)
    for (const [client, list] of this.written) {
      const kept = list.filter((w) => w.seq > horizon)
      if (kept.length === 0) this.written.delete(client)
      else if (kept.length !== list.length) this.written.set(client, kept)
    }
    for (const { seq, deletes } of entries) {
      for (const { client, clock, len } of deletes) {
        const byClock = this.deleters.get(client)
        const evicted = this.evictedDeleters.get(client) ?? new Map<number, number>()
        this.evictedDeleters.set(client, evicted)
        for (let c = clock; c < clock + len; c++) {
          evicted.set(c, Math.min(evicted.get(c) ?? seq, seq))
          const rest = byClock?.get(c)?.filter((s) => s !== seq)
          if (rest === undefined || rest.length === 0) byClock?.delete(c)
          else byClock?.set(c, rest)
        }
      }
    }
  }

  /**
   * Takes back evicted entries (read again from the log, oldest first, all above the new horizon): a view
   * reaching further back than the horizon needs them told apart again.
   */
  restore(horizon: number, entries: Array<{ seq: number; structs: ClockRange[]; deletes: DeleteRange[] }>): void {
    this.horizon = Math.min(this.horizon, horizon)
    for (const { seq, structs, deletes } of entries) {
      for (const { client, from, to } of structs) {
        // Only the clocks no retained entry holds (the first entry to bring a clock keeps it).
        const list = this.written.get(client) ?? []
        let cursor = from
        for (const w of list.filter((x) => x.to > from && x.from < to)) {
          if (w.from > cursor) list.push({ from: cursor, to: w.from, seq })
          cursor = Math.max(cursor, w.to)
        }
        if (cursor < to) list.push({ from: cursor, to, seq })
        list.sort((a, b) => a.from - b.from)
        this.written.set(client, list)
      }
      for (const { client, clock, len } of deletes) {
        const byClock = this.deleters.get(client) ?? new Map<number, number[]>()
        this.deleters.set(client, byClock)
        for (let c = clock; c < clock + len; c++) byClock.set(c, [...(byClock.get(c) ?? []), seq])
      }
    }
  }
}
