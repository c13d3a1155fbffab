/**
 * One retained log entry as the resolver remembers it: who made it, what its author had seen ([V1],
 * [V2]), which clocks and records it touched, and what it changed in its author's view. No bytes and no
 * copy of a state: views are read from the document (reader.ts) where a rule needs them.
 */
import type { ChangeSet } from './changes.ts'
import type { ClockRange, DeleteRange, InView } from './causality.ts'
import type { RecordKey } from './touched.ts'

/** Which earlier entries the author had. Entries at or below the causality horizon: always. */
export type Known =
  /** A live update: every earlier entry except those its own items prove unseen ([V2]). */
  | { kind: 'live'; concurrent: ReadonlySet<number> }
  /**
   * A sync reply with the server's cut (`details.view`): every entry up to `upTo`, plus `also`, except
   * delete-only entries whose deletions the reply's own delete set lacks ([V1]).
   */
  | { kind: 'cut'; upTo: number; also: ReadonlySet<number>; except: ReadonlySet<number> }
  /** A sync reply judged by its state vector (entries stored before the server computed cuts). */
  | { kind: 'set'; seqs: ReadonlySet<number> }

export interface Entry {
  seq: number
  actor: string
  role: string
  origin: string
  receivedAt: number
  clientTime: number
  known: Known
  /** The clocks this entry brought, and its delete set. */
  structs: ClockRange[]
  deletes: DeleteRange[]
  /** Records its structs and deletions are in: where its author's view can differ from the state before it. */
  touched: Set<RecordKey>
  /** What it changed in its author's view (base → view); computed on first use for entries replayed or read back. */
  changes: ChangeSet | null
  /** The oldest unseen entry's seq minus one: the horizon may not pass it while this entry is kept. */
  floor: number
}

/** Whether `entry`'s author had the earlier entry `seq`. */
export const knows = (entry: Pick<Entry, 'seq' | 'known'>, seq: number, horizon: number): boolean => {
  if (seq >= entry.seq) return false
  if (seq <= horizon) return true
  switch (entry.known.kind) {
    case 'live': return !entry.known.concurrent.has(seq)
    case 'cut': return (seq <= entry.known.upTo || entry.known.also.has(seq)) && !entry.known.except.has(seq)
    case 'set': return entry.known.seqs.has(seq)
  }
}

/** The entries in the author's view after `entry`: what it knew, and itself. */
export const viewOf = (entry: Entry, horizon: () => number): InView => (seq) => seq === entry.seq || knows(entry, seq, horizon())

/** The state the author edited: the view without the entry itself. */
export const baseOf = (entry: Pick<Entry, 'seq' | 'known'>, horizon: () => number): InView => (seq) => knows(entry, seq, horizon())

/** How far the horizon may rise while `entry` is kept (its view must stay readable). */
export const floorOf = (seq: number, known: Known, retained: Iterable<number>): number => {
  switch (known.kind) {
    case 'live': return known.concurrent.size === 0 ? seq - 1 : Math.min(...known.concurrent) - 1
    case 'cut': return Math.min(known.upTo, ...[...known.except].map((s) => s - 1))
    case 'set': {
      let lowest = seq
      for (const s of retained) if (s < lowest && !known.seqs.has(s)) lowest = s
      return lowest - 1
    }
  }
}
