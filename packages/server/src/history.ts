import * as Y from 'yjs'
import type { LogEntry, UpdateLog } from '@rota/log'
import { readEffect, type UpdateChange } from '@rota/model'

export interface HistoryEntry {
  seq: number
  /** When the server received it (ISO-8601). */
  time: string
  /** When the client says it made the edit (offline sessions). */
  clientTime?: string
  actor: string
  role: string
  origin: string
  /** Size of the stored update. */
  bytes: number
  /** Schema paths the entry changed, described against the state just before it. */
  changes: UpdateChange[]
  details?: Record<string, unknown>
}

export interface HistoryPage {
  /** Newest first. */
  entries: HistoryEntry[]
  /** `before` for the next (older) page; null at the start of the history. */
  next: number | null
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** The encoding of an empty document, for versions before the first entry. */
export const EMPTY_UPDATE = new Uint8Array([0, 0])

/**
 * One page of a document's history, newest first, with the paths each entry changed: the page is
 * replayed on the state just before its oldest entry, reading each entry's effect as it is applied.
 */
export const readHistory = async (
  log: UpdateLog,
  doc: string,
  headSeq: number,
  { before, limit }: { before?: number; limit: number },
): Promise<HistoryPage> => {
  const toSeq = Math.min(headSeq, (before ?? headSeq + 1) - 1)
  const page: LogEntry[] = []
  if (toSeq >= 1) for await (const entry of log.read(doc, { toSeq, reverse: true, limit })) page.push(entry)
  page.reverse()
  const oldest = page[0]?.seq ?? 1
  const replay = new Y.Doc()
  Y.applyUpdate(replay, oldest > 1 ? await log.stateAt(doc, { seq: oldest - 1 }) : EMPTY_UPDATE)
  const entries: HistoryEntry[] = []
  try {
    for (const entry of page) {
      // Read by effect, as Yjs integrated the entry: crafted structs that a parse of the bytes would
      // miss (a deleted or format item shadowing a key) show up as what they changed.
      let changes: UpdateChange[] = []
      replay.transact((tr) => {
        Y.applyUpdate(replay, entry.update)
        changes = readEffect(replay, tr).changes
      })
      const { meta } = entry
      entries.push({
        seq: entry.seq,
        time: iso(meta.receivedAt),
        ...(meta.clientTime === undefined ? {} : { clientTime: iso(meta.clientTime) }),
        actor: meta.actor,
        role: meta.role,
        origin: meta.origin,
        bytes: entry.update.length,
        changes,
        ...(meta.details === undefined ? {} : { details: meta.details }),
      })
    }
  } finally {
    replay.destroy()
  }
  return { entries: entries.reverse(), next: oldest > 1 && page.length > 0 ? oldest : null }
}
