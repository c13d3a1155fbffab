/**
 * Reading one document: its row (head, base, removal), entries by seq and time a page at a time,
 * the seq a version names, and the pieces of the state at a seq (the newest intact checkpoint and
 * the entries after it). Free functions over a connection, so that `stateAt` can run them inside
 * one REPEATABLE READ transaction and see one snapshot of a document other instances write to.
 */
import type pg from 'pg'
import { LogErrorCode, RotaLogError } from '@rota/log'
import type { DocSummary, LogEntry, LogObserver, ReadRange, VersionRef } from '@rota/log'
import { ENTRY_COLUMNS, corrupt, entryOf, stateChecksum } from './rows.ts'
import type { EntryRow } from './rows.ts'

export type Db = pg.Pool | pg.PoolClient

export interface DocRow {
  doc_id: number
  name: string
  next_seq: number
  head_seq: number
  head_time: number
  base_seq: number
  base_time: number
  base_is_checkpoint: boolean
  removed: boolean
  checkpoint_seq: number
  since_entries: number
  since_bytes: number
}

const PAGE = 500
/** Stands for "no bound" in range queries (every stored number is a safe integer). */
const NO_BOUND = Number.MAX_SAFE_INTEGER

export async function docRow(db: Db, doc: string): Promise<DocRow | undefined> {
  const { rows } = await db.query<DocRow>('SELECT * FROM rota_docs WHERE name = $1', [doc])
  return rows[0]
}

export function summaryOf(row: DocRow | undefined): DocSummary | undefined {
  if (row === undefined || row.removed || row.head_seq === 0) return undefined
  return { doc: row.name, headSeq: row.head_seq, lastChange: row.head_time, historyStartsAt: row.base_seq + 1 }
}

export const historyGone = (row: DocRow, seq: number): RotaLogError =>
  new RotaLogError(LogErrorCode.HistoryGone, `history of ${row.name} before seq ${row.base_seq + 1} is gone`, { doc: row.name, seq })

export type Cuts = Array<[number, number]>

export async function cutsOf(db: Db, row: DocRow): Promise<Cuts> {
  const { rows } = await db.query<{ from_seq: number; to_seq: number }>('SELECT from_seq, to_seq FROM rota_cuts WHERE doc_id = $1', [row.doc_id])
  return rows.map((cut) => [cut.from_seq, cut.to_seq])
}

/** The next seq an intact history holds after (or, reversed, before) `seq`, skipping cut ranges. */
export function expectedAfter(cuts: Cuts, seq: number, reverse: boolean): number {
  let next = reverse ? seq - 1 : seq + 1
  for (let moved = true; moved; ) {
    moved = false
    for (const [from, to] of cuts) {
      if (next >= from && next <= to) {
        next = reverse ? from - 1 : to + 1
        moved = true
      }
    }
  }
  return next
}

interface EntryPages {
  from: number
  to: number
  fromTime?: number
  toTime?: number
  reverse?: boolean
}

/**
 * The rows with from ≤ seq ≤ to (and within the times), a page at a time, keyset-paged (no OFFSET,
 * no transaction held across pages: entries are immutable). Throws ROTA_LOG_CORRUPT at a damaged
 * row and at a seq missing between two rows that no truncation explains, after the intact ones.
 */
export async function* entryRows(db: Db, row: DocRow, cuts: Cuts, range: EntryPages): AsyncGenerator<EntryRow> {
  let { from, to } = range
  const reverse = range.reverse === true
  let expected: number | undefined
  while (from <= to) {
    const { rows } = await db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM rota_entries
       WHERE doc_id = $1 AND seq BETWEEN $2 AND $3 AND received_at BETWEEN $4 AND $5
       ORDER BY seq ${reverse ? 'DESC' : 'ASC'} LIMIT ${PAGE}`,
      [row.doc_id, from, to, range.fromTime ?? 0, range.toTime ?? NO_BOUND],
    )
    for (const entry of rows) {
      if (expected !== undefined && entry.seq !== expected) throw corrupt(row.name, expected, 'missing')
      expected = expectedAfter(cuts, entry.seq, reverse)
      yield entry
    }
    if (rows.length < PAGE) return
    if (reverse) to = rows.at(-1)!.seq - 1
    else from = rows.at(-1)!.seq + 1
  }
}

/** `UpdateLog.read` on one document. */
export async function* readEntries(db: Db, doc: string, range: ReadRange): AsyncGenerator<LogEntry> {
  const row = await docRow(db, doc)
  if (row === undefined || summaryOf(row) === undefined) return
  if (range.fromSeq !== undefined && range.fromSeq > 0 && range.fromSeq <= row.base_seq) throw historyGone(row, range.fromSeq)
  const limit = range.limit ?? Infinity
  if (limit === 0) return
  const from = Math.max(range.fromSeq ?? 0, row.base_seq + 1)
  const to = Math.min(range.toSeq ?? NO_BOUND, row.head_seq)
  const pages: EntryPages = { from, to, reverse: range.reverse === true }
  if (range.fromTime !== undefined) pages.fromTime = range.fromTime
  if (range.toTime !== undefined) pages.toTime = range.toTime
  let count = 0
  for await (const entry of entryRows(db, row, await cutsOf(db, row), pages)) {
    yield entryOf(doc, entry)
    if (++count >= limit) return
  }
}

/** The seq `at` names (the head when undefined; 0 for an empty document). */
export async function resolveSeq(db: Db, row: DocRow | undefined, doc: string, at: VersionRef | undefined): Promise<number> {
  const head = row === undefined || summaryOf(row) === undefined ? 0 : row.head_seq
  if (at !== undefined && 'seq' in at && at.seq > head) {
    throw new RotaLogError(LogErrorCode.OutOfRange, `${doc} has no seq ${at.seq} (head ${head})`, { doc, seq: at.seq })
  }
  if (row === undefined || head === 0) return 0
  if (at === undefined) return head
  if ('seq' in at) {
    if (at.seq < row.base_seq) throw historyGone(row, at.seq)
    return at.seq
  }
  const { rows } = await db.query<{ seq: number }>(
    'SELECT seq FROM rota_entries WHERE doc_id = $1 AND seq > $2 AND seq <= $3 AND received_at <= $4 ORDER BY seq DESC LIMIT 1',
    [row.doc_id, row.base_seq, head, at.time],
  )
  if (rows[0] !== undefined) return rows[0].seq
  if (row.base_seq > 0 && !(row.base_is_checkpoint && at.time >= row.base_time)) throw historyGone(row, row.base_seq)
  return row.base_seq
}

export interface FoundCheckpoint {
  seq: number
  time: number
  /** Yjs v2. */
  state: Uint8Array
}

/** The newest intact checkpoint at or before `seq` and inside the held history; damaged ones are skipped. */
export async function findCheckpoint(db: Db, row: DocRow, seq: number, observer?: LogObserver): Promise<FoundCheckpoint | undefined> {
  const lowest = row.base_is_checkpoint ? row.base_seq : row.base_seq + 1
  let below = seq
  // Bounded: each round moves `below` under the checkpoint it looked at.
  while (below >= lowest) {
    const { rows } = await db.query<{ seq: number; received_at: number; state: Buffer; crc: number }>(
      'SELECT seq, received_at, state, crc FROM rota_checkpoints WHERE doc_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq DESC LIMIT 1',
      [row.doc_id, lowest, below],
    )
    const found = rows[0]
    if (found === undefined) return undefined
    if (stateChecksum(found.state) === found.crc) return { seq: found.seq, time: found.received_at, state: new Uint8Array(found.state) }
    // Derived data: fall back to an older checkpoint and more entries.
    observer?.onError?.(corrupt(row.name, found.seq, 'checkpoint checksum mismatch'))
    below = found.seq - 1
  }
  return undefined
}

/** What the state at `seq` is made of: the newest usable checkpoint and the entries after it, in order. */
export async function piecesAtSeq(
  db: Db,
  row: DocRow,
  seq: number,
  observer?: LogObserver,
): Promise<{ base: FoundCheckpoint | undefined; updates: Uint8Array[] }> {
  if (seq === 0 || (seq === row.base_seq && !row.base_is_checkpoint)) return { base: undefined, updates: [] }
  const base = await findCheckpoint(db, row, seq, observer)
  if (base === undefined && row.base_is_checkpoint) throw corrupt(row.name, row.base_seq, 'the base checkpoint is damaged or missing')
  const cuts = await cutsOf(db, row)
  const from = (base?.seq ?? row.base_seq) + 1
  let expected = expectedAfter(cuts, from - 1, false)
  const updates: Uint8Array[] = []
  for await (const entry of entryRows(db, row, cuts, { from, to: seq })) {
    if (entry.seq !== expected) throw corrupt(row.name, expected, 'missing')
    updates.push(entryOf(row.name, entry).update)
    expected = expectedAfter(cuts, entry.seq, false)
  }
  if (expected <= seq) throw corrupt(row.name, expected, 'missing')
  return { base, updates }
}

/** `UpdateLog.listDocs`: documents with entries, in byte order of their names, a page at a time. */
export async function* listDocs(db: Db, prefix: string): AsyncGenerator<DocSummary> {
  let after: string | undefined
  for (;;) {
    const { rows } = await db.query<DocRow>(
      `SELECT * FROM rota_docs WHERE starts_with(name, $1) AND ($2::text IS NULL OR name > $2)
         AND NOT removed AND head_seq > 0 ORDER BY name LIMIT ${PAGE}`,
      [prefix, after ?? null],
    )
    for (const row of rows) yield summaryOf(row)!
    if (rows.length < PAGE) return
    after = rows.at(-1)!.name
  }
}
