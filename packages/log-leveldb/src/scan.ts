/**
 * Reading one document's stored history: entries in a seq range (checksums verified, unexpected
 * gaps reported), lookups by time, and the state at a seq from the nearest checkpoint plus the tail.
 */
import type { ClassicLevel } from 'classic-level'
import * as Y from 'yjs'
import { LogErrorCode, RotaLogError, mergeState } from '@rota/log'
import type { EntryMeta, LogObserver, StatePart } from '@rota/log'
import { DecodeError, NEW_DOC_RECORD, decodeCheckpoint, decodeDocRecord, decodeEntry, decodeEntryTime, decodeEntryUpdate } from './codec.ts'
import type { Checkpoint, DocRecord } from './codec.ts'
import { Tag, decodeSeq, docPrefix, documentKey, prefixBounds, seqKey } from './keys.ts'

export type Db = ClassicLevel<Uint8Array, Uint8Array>

/** What a scan needs to know about a document. */
export interface DocView {
  doc: string
  entryPrefix: Uint8Array
  checkpointPrefix: Uint8Array
  record: DocRecord
}

export function docView(doc: string, record: DocRecord): DocView {
  return { doc, entryPrefix: docPrefix(Tag.Entry, doc), checkpointPrefix: docPrefix(Tag.Checkpoint, doc), record }
}

export const corrupt = (doc: string, seq: number, reason: string, cause?: unknown): RotaLogError =>
  new RotaLogError(LogErrorCode.Corrupt, `${doc} seq ${seq} is damaged (${reason}); see "Recovery" in docs/log.md`, {
    doc,
    seq,
    ...(cause === undefined ? {} : { cause }),
  })

export const isCut = (record: DocRecord, seq: number): boolean => record.cuts.some(([from, to]) => seq >= from && seq <= to)

/** A document's record; a new one (not stored) when there is none. */
export async function readRecord(db: Db, doc: string): Promise<{ record: DocRecord; stored: boolean }> {
  const key = documentKey(doc)
  const value = await db.get(key)
  if (value === undefined) return { record: { ...NEW_DOC_RECORD, cuts: [] }, stored: false }
  try {
    return { record: decodeDocRecord(key, value), stored: true }
  } catch (error) {
    throw corrupt(doc, 0, `document record ${(error as Error).message}`, error)
  }
}

/** The newest stored entry after the base: seq and time. */
export async function lastEntry(db: Db, view: DocView): Promise<{ seq: number; time: number } | undefined> {
  const { lt } = prefixBounds(view.entryPrefix)
  const [found] = await db.iterator({ gt: seqKey(view.entryPrefix, view.record.baseSeq), lt, reverse: true, limit: 1 }).all()
  if (found === undefined) return undefined
  const [key, value] = found
  const seq = decodeSeq(key, view.entryPrefix.length)
  let time: number
  try {
    time = decodeEntryTime(key, value)
  } catch {
    time = view.record.baseTime // the damage shows in verify and on read
  }
  return { seq, time }
}

/** The next seq an intact history holds after (or, reversed, before) `seq`, skipping cut ranges. */
function expectedAfter(record: DocRecord, seq: number, reverse: boolean): number {
  let next = reverse ? seq - 1 : seq + 1
  for (let moved = true; moved; ) {
    moved = false
    for (const [from, to] of record.cuts) {
      if (next >= from && next <= to) {
        next = reverse ? from - 1 : to + 1
        moved = true
      }
    }
  }
  return next
}

export interface StoredEntry {
  seq: number
  /** Undefined when the scan was asked for updates only. */
  meta: EntryMeta | undefined
  update: Uint8Array
  bytes: number
}

const PAGE = 512

/**
 * Yields the entries with from ≤ seq ≤ to, a page at a time (one promise per page, not per entry:
 * a long tail is read without an allocation storm). Throws ROTA_LOG_CORRUPT at a damaged entry
 * and at a missing one (a gap no truncation explains), naming doc and seq, after yielding the
 * intact entries before it.
 */
export async function* scanEntryPages(db: Db, view: DocView, from: number, to: number, reverse = false, updatesOnly = false): AsyncGenerator<StoredEntry[]> {
  if (from > to) return
  const { doc, entryPrefix, record } = view
  const iterator = db.iterator({ gte: seqKey(entryPrefix, from), lte: seqKey(entryPrefix, to), reverse })
  let expected = reverse ? to : from
  // Entries at the ends of the range may legitimately be absent (cut, or not written yet), so
  // only gaps between entries found count here; stateAtSeq also checks the ends.
  let first = true
  try {
    for (;;) {
      const page = await iterator.nextv(PAGE)
      if (page.length === 0) return
      const entries: StoredEntry[] = []
      let damage: RotaLogError | undefined
      for (const [key, value] of page) {
        const seq = decodeSeq(key, entryPrefix.length)
        if (!first && seq !== expected) {
          damage = corrupt(doc, expected, 'missing')
          break
        }
        first = false
        try {
          const decoded = updatesOnly ? { meta: undefined, update: decodeEntryUpdate(key, value) } : decodeEntry(key, value)
          entries.push({ seq, meta: decoded.meta, update: decoded.update, bytes: key.length + value.length })
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error
          damage = corrupt(doc, seq, error.message, error)
          break
        }
        expected = expectedAfter(record, seq, reverse)
      }
      if (entries.length > 0) yield entries
      if (damage !== undefined) throw damage
    }
  } finally {
    await iterator.close()
  }
}

/** `scanEntryPages`, an entry at a time. */
export async function* scanEntries(db: Db, view: DocView, from: number, to: number, reverse = false): AsyncGenerator<StoredEntry> {
  for await (const page of scanEntryPages(db, view, from, to, reverse)) yield* page
}

/** The first stored entry with from ≤ seq ≤ to: its seq and time (checksum verified). */
async function entryAtOrAfter(db: Db, view: DocView, from: number, to: number): Promise<{ seq: number; time: number } | undefined> {
  const [found] = await db.iterator({ gte: seqKey(view.entryPrefix, from), lte: seqKey(view.entryPrefix, to), limit: 1 }).all()
  if (found === undefined) return undefined
  const [key, value] = found
  const seq = decodeSeq(key, view.entryPrefix.length)
  try {
    return { seq, time: decodeEntryTime(key, value) }
  } catch (error) {
    if (error instanceof DecodeError) throw corrupt(view.doc, seq, error.message, error)
    throw error
  }
}

/**
 * The last seq in [from, to] whose entry has receivedAt ≤ time (`atMost`), or the first with
 * receivedAt ≥ time; undefined when there is none. Binary search: receivedAt never decreases.
 */
export async function seqByTime(db: Db, view: DocView, from: number, to: number, time: number, atMost: boolean): Promise<number | undefined> {
  let low = from
  let high = to
  let answer: number | undefined
  while (low <= high) {
    const mid = Math.floor((low + high) / 2)
    const found = await entryAtOrAfter(db, view, mid, high)
    if (found === undefined) {
      high = mid - 1
    } else if (atMost ? found.time <= time : found.time < time) {
      if (atMost) answer = found.seq
      low = found.seq + 1
    } else {
      if (!atMost) answer = found.seq
      high = mid - 1
    }
  }
  return answer
}

export interface FoundCheckpoint extends Checkpoint {
  seq: number
}

/** The newest intact checkpoint at or before `seq` and inside the held history. Damaged ones are skipped. */
export async function findCheckpoint(db: Db, view: DocView, seq: number, observer?: LogObserver): Promise<FoundCheckpoint | undefined> {
  const { record, checkpointPrefix } = view
  const lowest = record.baseIsCheckpoint ? record.baseSeq : record.baseSeq + 1
  if (seq < lowest) return undefined
  const iterator = db.iterator({ gte: seqKey(checkpointPrefix, lowest), lte: seqKey(checkpointPrefix, seq), reverse: true })
  try {
    for await (const [key, value] of iterator) {
      const at = decodeSeq(key, checkpointPrefix.length)
      try {
        return { seq: at, ...decodeCheckpoint(key, value) }
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error
        // Derived data: fall back to an older checkpoint and more entries.
        observer?.onError?.(corrupt(view.doc, at, `checkpoint ${error.message}`, error))
      }
    }
  } finally {
    await iterator.close()
  }
  return undefined
}

/**
 * Copies a page's updates into one buffer and returns views of it: LevelDB hands out every value
 * in its own ArrayBuffer, which V8 tracks one by one on every garbage collection, and a long tail
 * (a million entries) would keep all of them alive.
 */
function packed(entries: StoredEntry[]): Uint8Array[] {
  const arena = new Uint8Array(entries.reduce((sum, entry) => sum + entry.update.length, 0))
  let offset = 0
  return entries.map(({ update }) => {
    arena.set(update, offset)
    offset += update.length
    return arena.subarray(offset - update.length, offset)
  })
}

/** What the state at `seq` is made of: the newest usable checkpoint and the entries after it. */
export async function piecesAtSeq(db: Db, view: DocView, seq: number, observer?: LogObserver): Promise<{ base: FoundCheckpoint | undefined; updates: Uint8Array[] }> {
  const checkpoint = await findCheckpoint(db, view, seq, observer)
  if (checkpoint === undefined && view.record.baseIsCheckpoint) {
    throw corrupt(view.doc, view.record.baseSeq, 'the base checkpoint is damaged or missing')
  }
  const updates: Uint8Array[] = []
  const from = (checkpoint?.seq ?? view.record.baseSeq) + 1
  let expected = expectedAfter(view.record, from - 1, false)
  for await (const page of scanEntryPages(db, view, from, seq, false, true)) {
    for (const entry of page) {
      if (entry.seq !== expected) throw corrupt(view.doc, expected, 'missing')
      expected = expectedAfter(view.record, entry.seq, false)
    }
    for (const update of packed(page)) updates.push(update)
  }
  if (expected <= seq) throw corrupt(view.doc, expected, 'missing')
  return { base: checkpoint, updates }
}

/** The encoded state (Yjs v1) at `seq`: one checkpoint plus the entries after it, merged into one update. */
export async function stateAtSeq(db: Db, view: DocView, seq: number, observer?: LogObserver): Promise<Uint8Array> {
  const { base, updates } = await piecesAtSeq(db, view, seq, observer)
  if (base === undefined) return mergeState(updates)
  return mergeState(updates, base.encoding === 'v2' ? Y.convertUpdateFormatV2ToV1(base.state) : base.state)
}

/**
 * The state at `seq` as stored: the checkpoint (no conversion, no merge with the tail) and then the
 * tail's updates one by one. Applied in one transaction that is the cheapest way to a Y.Doc: applying
 * the updates one by one costs about half of merging them first (10k: ~80 vs ~115 ms of CPU;
 * 100k: ~0.8 vs ~1.7 s), and the merge itself grows faster than linearly with the tail.
 */
export async function statePartsAtSeq(db: Db, view: DocView, seq: number, observer?: LogObserver): Promise<StatePart[]> {
  const { base, updates } = await piecesAtSeq(db, view, seq, observer)
  const parts: StatePart[] = base === undefined ? [] : [{ update: base.state, encoding: base.encoding }]
  for (const update of updates) parts.push({ update, encoding: 'v1' })
  return parts
}
