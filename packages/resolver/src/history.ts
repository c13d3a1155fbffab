import * as Y from 'yjs'
import { diffRecord, sameRecord, type ChangeSet } from './changes.ts'
import { Causality, type ClockRange, type DeleteRange } from './causality.ts'
import { detectOverwrites, detectViolations, type Detection } from './detect.ts'
import { baseOf, floorOf, type Entry, type Known } from './entries.ts'
import { ScheduleIndex } from './indexes.ts'
import { overwritesOf, type Overwrite } from './overwrites.ts'
import { StateReader } from './reader.ts'
import { defaultRetention, policyHorizon, safeHorizon, Sessions, type RetentionOptions } from './retention.ts'
import type { ScheduleJSON } from './schedule.ts'
import { EverIndex } from './source.ts'
import { Roots, collectionOf, deletesOf, idOf, sortedRecords, touchedByTransaction, touchedByUpdate, type AnyType, type RecordKey } from './touched.ts'
import { ViolationIndex, slotsOfAll, type RecordChange } from './violations.ts'
import { Views, firstAfter } from './views.ts'

export type { Detection, Involvement } from './detect.ts'

/** One update as the resolver receives it (from Rooms.onUpdate, or a test). */
export interface EditEvent {
  seq: number
  update: Uint8Array
  /** The editor (token `sub`) or a service name. */
  actor: string
  role: string
  origin: string
  /** ms since the epoch. */
  receivedAt: number
  /** ms since the epoch; defaults to receivedAt. */
  clientTime?: number
  /**
   * Only for an update a connection sent as its sync reply (SyncStep2, i.e. edits made before it
   * connected): the state vector the connection declared in its SyncStep1 — what its client had synced.
   * The update's author saw exactly the updates this vector covers ([V1]). Live updates leave it out:
   * their author had everything the server had sent, except what their own Yjs items prove unseen ([V2]).
   */
  knownStateVector?: Uint8Array
  /**
   * The same view as the server judged the sync reply on (packages/server/src/view.ts): every entry up to
   * `upTo`, plus `also`. Preferred over `knownStateVector` where present: one definition of the view.
   */
  knownSeqs?: { upTo: number; also: number[] }
}

/** Records or rule slots handled between two yields of `ingestSteps` (each step stays well under a millisecond). */
const STEP = 64

type Decoded = { structs: Array<Y.Item | Y.GC | Y.Skip>; ds: unknown }

const structRanges = (structs: Decoded['structs']): ClockRange[] => {
  const byClient = new Map<number, ClockRange>()
  for (const s of structs) {
    if (s instanceof Y.Skip) continue
    const r = byClient.get(s.id.client)
    if (r) r.to = Math.max(r.to, s.id.clock + s.length)
    else byClient.set(s.id.client, { client: s.id.client, from: s.id.clock, to: s.id.clock + s.length })
  }
  return [...byClient.values()]
}

/** Whether an entry's delete set is inside `outer` (a reply carries its client's whole delete set). */
const deletesCovered = (outer: DeleteRange[], inner: DeleteRange[]): boolean =>
  inner.every((r) => outer.some((o) => o.client === r.client && o.clock <= r.clock && o.clock + o.len >= r.clock + r.len))


/**
 * Everything the resolver remembers about one document: its state (one gc: false Yjs document, read
 * record by record), incremental indexes and violations of the merged state, and the retained entries
 * with what each author saw. The work for an update follows the records it touched; detection is a pure
 * function of the updates and their views, so two instances fed the same log find the same conflicts.
 */
export class DocHistory {
  readonly doc: string
  private readonly current = new Y.Doc({ gc: false })
  private readonly causality = new Causality()
  private readonly roots = new Roots(this.current)
  private readonly now = new StateReader(this.current, this.causality, null)
  private readonly index = new ScheduleIndex()
  private readonly violations = new ViolationIndex()
  private readonly ever = new EverIndex()
  private readonly sessions = new Sessions()
  private readonly retention: RetentionOptions
  private readonly entries: Entry[] = []
  private readonly bySeq = new Map<number, Entry>()
  /** Retained entries that only delete (no structs): a state vector cannot say who had them. */
  private readonly deleteOnly = new Set<number>()
  private head = 0
  /** The seq of the state loaded from the log, if any: entries before it cannot be read back. */
  private loadedAt = 0
  private lastChanged = new Map<AnyType, Set<string | null>>()
  private readonly views: Views = new Views({
    current: this.current, causality: this.causality, ever: this.ever, index: this.index,
    entries: this.entries, entry: (seq) => this.bySeq.get(seq),
  })

  constructor(doc: string, retention: Partial<RetentionOptions> = {}) {
    this.doc = doc
    this.retention = { ...defaultRetention, ...retention }
    for (const root of ['staff', 'shifts', 'settings']) this.current.getMap(root)
    this.current.on('afterTransaction', (tr: Y.Transaction) => { this.lastChanged = tr.changed })
  }

  /** The merged schedule (a snapshot). */
  get state(): ScheduleJSON {
    return this.index.json()
  }

  get headSeq(): number {
    return this.head
  }

  /** Retained entries and the horizon below which entries are evicted (read back from the log when a view needs them). */
  get retained(): { entries: number; horizon: number; oldest: number | undefined } {
    return { entries: this.entries.length, horizon: this.causality.horizon, oldest: this.entries[0]?.seq }
  }

  /** The merged state's incremental indexes and violations (for the property test against a from-scratch computation). */
  get indexes(): { index: ScheduleIndex; violations: ReadonlyMap<string, unknown> } {
    return { index: this.index, violations: this.violations.all }
  }

  /**
   * Starts from the document's state at `seq` (read from the log: its checkpoint), so that only the
   * entries after it need replaying. Views reaching back before `seq` read it as their starting point.
   */
  *loadSteps(state: Uint8Array[], seq: number): Generator<void, void> {
    const touched = new Set<RecordKey>()
    for (const update of state) {
      this.lastChanged = new Map()
      Y.applyUpdate(this.current, update)
      yield
      this.noteValues((Y.decodeUpdate(update) as Decoded).structs)
      for (const key of touchedByTransaction(this.roots, this.lastChanged)) touched.add(key)
      yield
    }
    this.causality.loaded(seq, deletesOf({ ds: Y.createDeleteSetFromStructStore(this.current.store) }))
    this.head = Math.max(this.head, seq)
    this.loadedAt = seq
    yield* this.updateMerged(touched)
    this.violations.takeAdded()
  }

  /**
   * For tests and debugging: the retained entries entry `seq`'s author had, and the schedule they edited
   * (`base`) and saw after their edit (`view`), read as the rules read them.
   */
  explain(seq: number): ReturnType<Views['explain']> | undefined {
    const entry = this.bySeq.get(seq)
    return entry ? this.views.explain(entry) : undefined
  }

  /** Adds an update; with `detect`, returns the conflicts its merge created. */
  ingest(event: EditEvent, detect: boolean): Detection[] {
    const steps = this.ingestSteps(event, detect)
    for (;;) {
      const step = steps.next()
      if (step.done) return step.value
    }
  }

  /**
   * `ingest` in steps: each `yield` is a point where the caller may give the event loop back
   * (resolver.ts runs detection in bounded slices); the result is the same however it is driven.
   */
  *ingestSteps(event: EditEvent, detect: boolean): Generator<void, Detection[]> {
    if (this.bySeq.has(event.seq) || event.seq <= this.causality.horizon) return []
    // Updates arrive in seq order, except in tests that feed the resolver's own changes ahead of earlier ones.
    const inOrder = event.seq > this.head
    this.head = Math.max(this.head, event.seq)
    const decoded = Y.decodeUpdate(event.update) as Decoded
    const replyKnown = event.knownSeqs || event.knownStateVector ? this.knownOf(event, [], deletesOf(decoded)) : null
    const deletes = replyKnown ? this.newDeletes(deletesOf(decoded), { seq: event.seq, known: replyKnown }) : deletesOf(decoded)
    // Decoding and integrating are the two steps whose cost follows the update's size (a whole schedule: tens of ms).
    yield
    this.lastChanged = new Map()
    Y.applyUpdate(this.current, event.update)
    const changedTypes = this.lastChanged
    const structs = this.causality.add(event.seq, structRanges(decoded.structs), deletes)
    yield
    const own = touchedByUpdate(this.current, this.roots, decoded.structs, deletes)
    this.noteValues(decoded.structs)
    yield
    const touched = touchedByTransaction(this.roots, changedTypes)
    for (const key of own) touched.add(key)
    const merged = yield* this.updateMerged(touched)
    const added = this.violations.takeAdded()
    const overwrites = overwritesOf(this.current, this.causality, event.seq, decoded.structs)
    const entry = this.addEntry(event, replyKnown ?? this.knownOf(event, overwrites, deletes), structs, deletes, own)
    // A live update made on everything before it changed, in its author's view, what it changed in the merged state.
    if (inOrder && entry.known.kind === 'live' && entry.known.concurrent.size === 0) entry.changes = merged
    this.sessions.seen(structs.map((s) => s.client), entry.seq, entry.receivedAt)
    let found: Detection[] = []
    if (detect && event.origin !== 'resolver') {
      yield
      const ctx = this.views.context()
      found = [...detectOverwrites(ctx, entry, overwrites), ...detectViolations(ctx, entry, added)]
    }
    this.retain()
    return found
  }

  /** Reads the touched records of the merged state into the index and re-checks their rule slots. */
  private *updateMerged(touched: Set<RecordKey>): Generator<void, ChangeSet> {
    const merged: ChangeSet = new Map()
    const changes: RecordChange[] = []
    for (const [i, key] of sortedRecords(touched).entries()) {
      this.updateRecord(key, merged, changes)
      if (i % STEP === STEP - 1) yield
    }
    const slots = slotsOfAll(this.index, this.violations, changes)
    for (const [i, slot] of slots.entries()) {
      this.violations.recheck(this.index, slot)
      if (i % STEP === STEP - 1) yield
    }
    return merged
  }

  /** Reads one changed record of the merged state into the index; notes what changed. */
  private updateRecord(key: RecordKey, merged: ChangeSet, changes: RecordChange[]): void {
    if (key === 'settings') {
      const after = this.now.settings()
      const before = this.index.settings()
      if (sameRecord(before, after)) return
      this.index.setSettings(after)
      diffRecord(merged, key, before, after)
      changes.push({ kind: 'settings', before, after })
      return
    }
    const id = idOf(key)
    if (collectionOf(key) === 'staff') {
      const after = this.now.record('staff', id)
      if (sameRecord(this.index.staff(id), after)) return
      const before = this.index.setStaff(id, after)
      diffRecord(merged, key, before, after)
      changes.push({ kind: 'staff', id, before, after })
      return
    }
    const after = this.now.record('shifts', id)
    if (sameRecord(this.index.shift(id), after)) return
    const before = this.index.setShift(id, after)
    diffRecord(merged, key, before, after)
    changes.push({ kind: 'shift', id, before, after })
  }

  /** Every value an update wrote to a shift's assignee, date or role: the candidates of view queries. */
  private noteValues(structs: Decoded['structs']): void {
    for (const struct of structs) {
      if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentAny)) continue
      const item = Y.getItem(this.current.store, struct.id)
      if (!(item instanceof Y.Item) || item.parentSub === null) continue
      const record = (item.parent as AnyType)._item
      if (record === null || record.parentSub === null || this.roots.nameOf(record.parent as AnyType) !== 'shifts') continue
      for (const value of struct.content.getContent()) this.ever.note(record.parentSub, item.parentSub, value)
    }
  }

  /**
   * A sync reply carries its client's whole delete set, mostly deletions its author had from the entries
   * it knew: only the others are this entry's (kept per clock, they would otherwise grow with every reply).
   */
  private newDeletes(deletes: DeleteRange[], author: Pick<Entry, 'seq' | 'known'>): DeleteRange[] {
    const base = baseOf(author, this.horizon)
    const out: DeleteRange[] = []
    for (const { client, clock, len } of deletes) {
      for (let c = clock; c < clock + len; c++) {
        if (this.causality.deletedIn(client, c, base)) continue
        const last = out.at(-1)
        if (last && last.client === client && last.clock + last.len === c) last.len++
        else out.push({ client, clock: c, len: 1 })
      }
    }
    return out
  }

  private knownOf(event: EditEvent, overwrites: Overwrite[], deletes: DeleteRange[]): Known {
    if (event.knownSeqs) {
      const { upTo, also } = event.knownSeqs
      const inCut = new Set(also)
      // [V1]: a delete-only entry carries no clock a state vector could cover; the client had it only if its
      // reply's delete set (a client's whole delete set) has its deletions. The server's cut can claim it
      // had one it never saw (a client whose vector covers every struct "had everything").
      const except = new Set([...this.deleteOnly].filter((seq) => (seq <= upTo || inCut.has(seq)) && !deletesCovered(deletes, this.bySeq.get(seq)?.deletes ?? [])))
      return { kind: 'cut', upTo, also: inCut, except }
    }
    if (event.knownStateVector) {
      const sv = Y.decodeStateVector(event.knownStateVector)
      const covered = (e: Entry): boolean => e.structs.length > 0
        ? e.structs.every((r) => (sv.get(r.client) ?? 0) >= r.to)
        // A delete-only update carries no clock; an offline client's sync reply carries its whole delete set.
        : deletesCovered(deletes, e.deletes)
      return { kind: 'set', seqs: new Set(this.entries.filter((e) => e.seq < event.seq && covered(e)).map((e) => e.seq)) }
    }
    return { kind: 'live', concurrent: new Set(overwrites.flatMap((o) => o.others.map((x) => x.seq))) }
  }

  private addEntry(event: EditEvent, known: Known, structs: ClockRange[], deletes: DeleteRange[], touched: Set<RecordKey>): Entry {
    const entry: Entry = {
      seq: event.seq, actor: event.actor, role: event.role, origin: event.origin,
      receivedAt: event.receivedAt, clientTime: event.clientTime ?? event.receivedAt,
      known, structs, deletes, touched, changes: null,
      // Only a state-vector view needs the retained seqs (to find the oldest one it lacks).
      floor: floorOf(event.seq, known, known.kind === 'set' ? this.entries.map((e) => e.seq) : []),
    }
    // Entries come in seq order, except those read back from the log (older than every retained one).
    if (entry.seq > (this.entries.at(-1)?.seq ?? 0)) this.entries.push(entry)
    else this.entries.splice(this.entries.findIndex((e) => e.seq > entry.seq), 0, entry)
    this.bySeq.set(entry.seq, entry)
    if (structs.length === 0 && deletes.length > 0) this.deleteOnly.add(entry.seq)
    return entry
  }

  private horizon = (): number => this.causality.horizon

  /** Evicts what no live or recently seen session can still need (retention.ts), in batches. */
  private retain(): void {
    const newest = this.entries.at(-1)
    if (!newest) return
    const claim = this.sessions.oldestClaim(newest.receivedAt - this.retention.recentMs)
    const wanted = policyHorizon(this.retention, this.head, claim)
    if (wanted - this.causality.horizon < Math.min(64, this.retention.minEntries) && this.entries.length <= this.retention.maxEntries) return
    const horizon = safeHorizon(wanted, this.entries)
    const cut = firstAfter(this.entries, horizon)
    if (cut === 0) return
    const evicted = this.entries.splice(0, cut)
    for (const e of evicted) {
      this.bySeq.delete(e.seq)
      this.deleteOnly.delete(e.seq)
    }
    this.causality.evict(horizon, evicted)
  }

  /**
   * The seq after which the entries an event's view needs begin, when some of them are no longer
   * retained (the caller reads `(from, horizon]` back from the log and hands them to `restore`); else null.
   */
  needsRestore(event: EditEvent): number | null {
    const horizon = this.causality.horizon
    if (horizon <= this.loadedAt) return null
    // Not before the loaded state: its deletions are not told apart by entry (a view that old reads it as its start).
    if (event.knownSeqs) return event.knownSeqs.upTo < horizon ? Math.max(this.loadedAt, event.knownSeqs.upTo) : null
    // A state vector cannot tell which evicted entries it lacks: read all of them back (entries stored before cuts only).
    if (event.knownStateVector) return this.loadedAt
    return null
  }

  /** Takes back entries read from the log (every seq in `(from, horizon]`, oldest first), for a view reaching that far. */
  restore(from: number, events: EditEvent[]): void {
    const parsed = events.filter((e) => e.seq > from && e.seq <= this.causality.horizon && !this.bySeq.has(e.seq)).map((event) => {
      const decoded = Y.decodeUpdate(event.update) as Decoded
      return { event, decoded, seq: event.seq, structs: structRanges(decoded.structs), deletes: deletesOf(decoded) }
    })
    // Their clocks first (an entry's overwrites name later ones' items), then each one's deletions, oldest
    // first, filtered as at ingest (a reply's delete set repeats what its author knew).
    this.causality.restore(from, parsed.map(({ seq, structs }) => ({ seq, structs, deletes: [] })))
    for (const { event, decoded, structs, deletes: all } of parsed) {
      const overwrites = overwritesOf(this.current, this.causality, event.seq, decoded.structs)
      const known = this.knownOf(event, overwrites, all)
      const deletes = known.kind === 'live' ? all : this.newDeletes(all, { seq: event.seq, known })
      this.causality.restore(from, [{ seq: event.seq, structs: [], deletes }])
      this.addEntry(event, known, structs, deletes, touchedByUpdate(this.current, this.roots, decoded.structs, deletes))
    }
  }
}
