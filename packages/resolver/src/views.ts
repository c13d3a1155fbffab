/**
 * Authors' views of one document's retained entries, read where detection needs them: what an entry
 * changed in its author's view, which entries its author had not seen, the view as a ScheduleSource for
 * one rule's question, and the view as JSON for the options a conflict offers.
 */
import type * as Y from 'yjs'
import { diffRecord, type ChangeSet } from './changes.ts'
import type { Causality } from './causality.ts'
import type { DetectContext } from './detect.ts'
import { baseOf, knows, viewOf, type Entry } from './entries.ts'
import type { ScheduleIndex } from './indexes.ts'
import { StateReader } from './reader.ts'
import type { ScheduleJSON } from './schedule.ts'
import { ViewSource, type EverIndex, type ScheduleSource } from './source.ts'
import { collectionOf, idOf, sortedRecords, type RecordKey } from './touched.ts'

/** A view differing from the merged state in at most this many records is read as the merged JSON plus those. */
const OVERLAY_LIMIT = 256

/** What of a DocHistory the views read (the arrays and maps are the history's own, kept current by it). */
export interface ViewsHost {
  current: Y.Doc
  causality: Causality
  ever: EverIndex
  index: ScheduleIndex
  entries: readonly Entry[]
  entry(seq: number): Entry | undefined
}

/** The index of the first entry with a seq above `seq` (entries ascending). */
export const firstAfter = (entries: readonly Entry[], seq: number): number => {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((entries[mid] as Entry).seq <= seq) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class Views {
  constructor(private readonly h: ViewsHost) {}

  private horizon = (): number => this.h.causality.horizon

  reader(entry: Entry, which: 'view' | 'base' = 'view'): StateReader {
    return new StateReader(this.h.current, this.h.causality, which === 'view' ? viewOf(entry, this.horizon) : baseOf(entry, this.horizon))
  }

  /** What the entry changed in its author's view: each record it touched, read before and after it. */
  changesOf(entry: Entry): ChangeSet {
    if (entry.changes) return entry.changes
    const before = this.reader(entry, 'base')
    const after = this.reader(entry)
    const out: ChangeSet = new Map()
    for (const key of sortedRecords(entry.touched)) {
      if (key === 'settings') diffRecord(out, key, before.settings(), after.settings())
      else diffRecord(out, key, before.record(collectionOf(key), idOf(key)), after.record(collectionOf(key), idOf(key)))
    }
    entry.changes = out
    return out
  }

  /** The entry's author's view as JSON: the merged JSON plus the records that can differ, or read whole. */
  viewJSON(entry: Entry, reader: StateReader, merged: () => ScheduleJSON): ScheduleJSON {
    const differ = new Set<RecordKey>()
    for (const e of this.h.entries) {
      if (e.seq > entry.seq || (e.seq < entry.seq && !knows(entry, e.seq, this.horizon()))) for (const key of e.touched) differ.add(key)
      if (differ.size > OVERLAY_LIMIT) return reader.schedule()
    }
    const base = merged()
    const json: ScheduleJSON = { staff: { ...base.staff }, shifts: { ...base.shifts }, settings: base.settings }
    for (const key of differ) {
      if (key === 'settings') {
        json.settings = reader.settings()
        continue
      }
      const rec = reader.record(collectionOf(key), idOf(key))
      const records = json[collectionOf(key)] as Record<string, unknown>
      if (rec === undefined) delete records[idOf(key)]
      else records[idOf(key)] = rec
    }
    return json
  }

  /** What detection reads, for one ingested entry (views and the merged JSON read once each). */
  context(): DetectContext {
    const views = new Map<number, ViewSource>()
    const jsons = new Map<number, ScheduleJSON>()
    let merged: ScheduleJSON | undefined
    const mergedJSON = (): ScheduleJSON => (merged ??= this.h.index.json())
    const viewSource = (entry: Entry): ViewSource => {
      let v = views.get(entry.seq)
      if (!v) views.set(entry.seq, (v = new ViewSource(this.reader(entry), this.h.ever)))
      return v
    }
    return {
      index: this.h.index,
      entry: (seq) => this.h.entry(seq),
      unknownTo: (entry) => this.unknownTo(entry),
      changesOf: (entry) => this.changesOf(entry),
      viewSource: (entry): ScheduleSource => viewSource(entry),
      viewJSON: (entry) => {
        let json = jsons.get(entry.seq)
        if (!json) jsons.set(entry.seq, (json = this.viewJSON(entry, viewSource(entry).reader, mergedJSON)))
        return json
      },
      merged: mergedJSON,
    }
  }

  unknownTo(entry: Entry): Entry[] {
    const { known } = entry
    if (known.kind === 'live') return [...known.concurrent].sort((a, b) => a - b).flatMap((seq) => this.h.entry(seq) ?? [])
    const from = known.kind === 'cut' && known.except.size === 0 ? firstAfter(this.h.entries, known.upTo) : 0
    const out: Entry[] = []
    for (let i = from; i < this.h.entries.length && (this.h.entries[i] as Entry).seq < entry.seq; i++) {
      const e = this.h.entries[i] as Entry
      if (!knows(entry, e.seq, this.horizon())) out.push(e)
    }
    return out
  }

  explain(entry: Entry): { known: number[]; base: ScheduleJSON; view: ScheduleJSON; changes: ChangeSet } {
    return {
      known: this.h.entries.filter((e) => knows(entry, e.seq, this.horizon())).map((e) => e.seq),
      base: this.reader(entry, 'base').schedule(),
      view: this.reader(entry).schedule(),
      changes: this.changesOf(entry),
    }
  }
}
