/**
 * Entries that were acknowledged but that storage no longer holds: what damage to LevelDB's
 * write-ahead log took, which LevelDB's recovery drops without a word. Found at open by comparing
 * the heads file (heads.ts) with what LevelDB holds, then recorded where it outlives that file: the
 * document record's `nextSeq` moves past them. Seqs below `nextSeq` that are neither stored, nor cut,
 * nor at or before the base are missing (the log keeps that true otherwise: `truncateAfter` records
 * what it cuts, `removeDoc` moves the base). So from then on `head` still says the acknowledged
 * head, loads and reads that reach the lost seqs fail with ROTA_LOG_CORRUPT naming the document and
 * the seqs, `verify` lists each one, and numbering never hands them out again.
 */
import { LogErrorCode, RotaLogError } from '@rota/log'
import type { LogObserver } from '@rota/log'
import { encodeDocRecord } from './codec.ts'
import type { DocRecord } from './codec.ts'
import { storageError } from './errors.ts'
import type { BatchOp } from './group-commit.ts'
import { HEADS_FILE_BYTES, HEADS_FILE_DOCS, readHeads, startHeads } from './heads.ts'
import type { HeadsJournal } from './heads.ts'
import { Tag, docPrefix, documentKey, seqKey } from './keys.ts'
import { corrupt, docView, lastEntry, readRecord } from './scan.ts'
import type { Db } from './scan.ts'

/** The seqs after `storedHead` that the record has handed out and no cut explains: [first, last]. */
export function lostRange(record: DocRecord, storedHead: number): [number, number] | undefined {
  if (record.removed) return undefined
  const last = record.nextSeq - 1
  let seq = Math.max(storedHead, record.baseSeq) + 1
  for (let moved = true; moved && seq <= last; ) {
    moved = false
    for (const [from, to] of record.cuts) {
      if (seq >= from && seq <= to) {
        seq = to + 1
        moved = true
      }
    }
  }
  return seq <= last ? [seq, last] : undefined
}

/** The part of a lost range that lies in [from, to], if any. */
export function lostWithin(lost: readonly [number, number] | undefined, from: number, to: number): [number, number] | undefined {
  if (lost === undefined || from > lost[1] || to < lost[0]) return undefined
  return [Math.max(from, lost[0]), Math.min(to, lost[1])]
}

export const lostError = (doc: string, [from, to]: readonly [number, number]): RotaLogError =>
  corrupt(doc, from, `missing: ${from === to ? `seq ${from} was` : `seqs ${from}–${to} were`} acknowledged and storage lost ${from === to ? 'it' : 'them'}`)

/**
 * The documents whose acknowledged head (`acked`) lies beyond what storage holds, with the seqs
 * lost; their records are moved past the head (fsynced) so that the loss stays known. One lookup
 * of every head entry at once: only documents whose head entry is gone (lost, or cut, removed,
 * folded by retention since) are read further.
 */
export async function markLost(db: Db, acked: ReadonlyMap<string, number>): Promise<Map<string, [number, number]>> {
  const heads = [...acked]
  const held = await db.hasMany(heads.map(([doc, seq]) => seqKey(docPrefix(Tag.Entry, doc), seq)))
  const lost = new Map<string, [number, number]>()
  const marks: BatchOp[] = []
  for (const [i, [doc, head]] of heads.entries()) {
    if (held[i] === true) continue
    let read: { record: DocRecord; stored: boolean }
    try {
      read = await readRecord(db, doc)
    } catch {
      continue // a damaged record shows on load and in verify
    }
    const { record, stored } = read
    const last = await lastEntry(db, docView(doc, record))
    // A removal after the head explains it; a removed name written again (whose record was lost) does not.
    const owed: DocRecord = { ...record, removed: record.removed && record.baseSeq >= head, nextSeq: Math.max(record.nextSeq, head + 1) }
    const range = lostRange(owed, last?.seq ?? record.baseSeq)
    if (range === undefined) continue
    lost.set(doc, range)
    if (!stored || owed.nextSeq !== record.nextSeq || owed.removed !== record.removed) {
      const key = documentKey(doc)
      marks.push({ type: 'put', key, value: encodeDocRecord(key, owed) })
    }
  }
  if (marks.length > 0) await db.batch(marks, { sync: true })
  return lost
}

/**
 * At open (LevelDB has just replayed its write-ahead log into table files): checks the heads the
 * files witness, reports every loss through `onError`, and starts a new heads file.
 */
export async function openHeads(db: Db, dir: string, observer?: LogObserver): Promise<HeadsJournal> {
  const found = await readHeads(dir)
  for (const { file, offset } of found.damage) {
    observer?.onError?.(
      new RotaLogError(
        LogErrorCode.StorageCorrupt,
        `the heads file ${file} in ${dir} is damaged at byte ${offset}; the entries it names after that are not checked`,
        { dir },
      ),
    )
  }
  const lost = await markLost(db, found.heads)
  for (const [doc, range] of lost) observer?.onError?.(lostError(doc, range))
  // Still owed until cut: carried into the new file in case the record's own write is lost too.
  const carry = new Map([...lost.keys()].map((doc) => [doc, found.heads.get(doc)!] as const))
  const onError = (error: unknown): void => observer?.onError?.(storageError(dir, error))
  return startHeads(dir, db, found, carry, { maxBytes: HEADS_FILE_BYTES, maxDocs: HEADS_FILE_DOCS, onError })
}
