import * as Y from 'yjs'
import { toJSON, type DateRange, type ScheduleJSON, type ShiftJSON, type StaffJSON } from '@rota/model'
import type { UpdateLog } from '@rota/log'
import { datesOf } from './range.ts'
import type { Publication } from './types.ts'

/** The schedule's state at a seq, as JSON (the empty document before the first entry). */
export const scheduleAt = async (log: UpdateLog, doc: string, seq: number): Promise<ScheduleJSON> => {
  const ydoc = new Y.Doc()
  try {
    if (seq > 0) Y.applyUpdate(ydoc, await log.stateAt(doc, { seq }))
    return toJSON(ydoc)
  } finally {
    ydoc.destroy()
  }
}

/** A run of dates told by one publication (or by none: `publication` null, nothing published yet). */
export interface Segment {
  from: string
  to: string
  publication: string | null
  seq: number | null
}

export interface PublishedView {
  range: DateRange
  /** The shifts dated in the range, each as the publication covering its date published it. */
  shifts: Record<string, ShiftJSON>
  /** The staff records as the newest publication used here published them. */
  staff: Record<string, StaffJSON>
  segments: Segment[]
}

/**
 * What people were told for a range: each date as the newest publication covering it published it.
 * Publications newest first (as the store lists them); one state is read per publication used.
 */
export const publishedView = async (log: UpdateLog, doc: string, publications: readonly Publication[], range: DateRange): Promise<PublishedView> => {
  const segments: Segment[] = []
  const datesBy = new Map<Publication, Set<string>>()
  for (const date of datesOf(range)) {
    const covering = publications.find((p) => p.range.from <= date && date <= p.range.to)
    if (covering) datesBy.set(covering, (datesBy.get(covering) ?? new Set()).add(date))
    const last = segments.at(-1)
    if (last && last.publication === (covering?.id ?? null)) last.to = date
    else segments.push({ from: date, to: date, publication: covering?.id ?? null, seq: covering?.seq ?? null })
  }
  const shifts: Record<string, ShiftJSON> = {}
  let staff: Record<string, StaffJSON> = {}
  // Oldest first, so that a shift two publications dated differently (moved between their ranges) is the newest's.
  for (const [publication, dates] of [...datesBy].sort(([a], [b]) => a.seq - b.seq)) {
    const state = await scheduleAt(log, doc, publication.seq)
    for (const [id, shift] of Object.entries(state.shifts)) if (dates.has(shift.date)) shifts[id] = shift
    staff = state.staff
  }
  return { range, shifts, staff, segments }
}

/** Publications a document's published shifts are read from (older ones are covered by these in practice). */
const MAX_WATCHED_PUBLICATIONS = 20

export interface PublishedShift {
  shift: ShiftJSON
  publication: Publication
}

/** The newest publication covering a date, if any (publications newest first). */
export const coveringOf = (publications: readonly Publication[], date: string): Publication | undefined =>
  publications.find((p) => p.range.from <= date && date <= p.range.to)

/**
 * Every published shift of a document by id: the shifts each publication published (dated in its range),
 * where no newer publication covers that date. Reads one state per publication, newest first.
 */
export const publishedShifts = async (log: UpdateLog, doc: string, publications: readonly Publication[]): Promise<Map<string, PublishedShift>> => {
  const out = new Map<string, PublishedShift>()
  const recent = publications.slice(0, MAX_WATCHED_PUBLICATIONS)
  for (const publication of recent) {
    const state = await scheduleAt(log, doc, publication.seq)
    for (const [id, shift] of Object.entries(state.shifts)) {
      if (out.has(id) || coveringOf(recent, shift.date) !== publication) continue
      out.set(id, { shift, publication })
    }
  }
  return out
}
