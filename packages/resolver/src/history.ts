import * as Y from 'yjs'
import { diffSchedules, isOverwritableField, sameValue, type ChangeSet } from './changes.ts'
import { readSchedule, valueAt, type ScheduleJSON } from './schedule.ts'
import { pathsTouch, relevantPaths, violations, type Violation } from './rules.ts'

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

interface Entry {
  seq: number
  update: Uint8Array
  actor: string
  role: string
  origin: string
  receivedAt: number
  clientTime: number
  /** Seqs the author had when making it; null: every earlier seq except `concurrent`. */
  known: Set<number> | null
  concurrent: Set<number>
  changes: ChangeSet
  view: ScheduleJSON
  viewViolations: Set<string>
}

/** An editor taking part in a conflict, with everything the option builder needs. */
export interface Involvement {
  editorId: string
  role: string
  clientTime: number
  receivedAt: number
  seqs: number[]
  /** The editor's changes on the conflict's paths (merged over their updates, latest wins). */
  changes: ChangeSet
  /** The schedule as the editor saw it after their (latest involved) edit. */
  view: ScheduleJSON
  /** Whether any of the editor's concurrent updates wrote a shift note. */
  note: boolean
  /** For an overwrite: the value this editor wrote. */
  value?: unknown
}

export type Detection =
  | { kind: 'concurrent_overwrite'; key: string; seq: number; path: string; kept: unknown; editors: Involvement[]; merged: ScheduleJSON }
  | { kind: Violation['kind']; key: string; seq: number; violation: Violation; editors: Involvement[]; merged: ScheduleJSON }

interface ClockRange { client: number; from: number; to: number; seq: number }

const decodeStateVector = (sv: Uint8Array): Map<number, number> => Y.decodeStateVector(sv)

const dsRanges = (update: Uint8Array): Array<{ client: number; clock: number; len: number }> => {
  const out: Array<{ client: number; clock: number; len: number }> = []
  Y.decodeUpdate(update).ds.clients.forEach((items, client) => {
    for (const it of items) out.push({ client, clock: it.clock, len: it.len })
  })
  return out
}

const dsCovers = (outer: Array<{ client: number; clock: number; len: number }>, inner: Array<{ client: number; clock: number; len: number }>): boolean =>
  inner.every((r) => outer.some((o) => o.client === r.client && o.clock <= r.clock && o.clock + o.len >= r.clock + r.len))

const stateOf = (updates: Uint8Array[]): Y.Doc => {
  const doc = new Y.Doc({ gc: false })
  if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(updates))
  return doc
}

/** The dotted path of a Y.Map key inside the schedule layout, or null for anything deeper or foreign. */
const mapPath = (parent: Y.AbstractType<unknown>, key: string): string | null => {
  const item = parent._item
  if (item === null) {
    const root = Y.findRootTypeKey(parent)
    return root === 'settings' ? `settings.${key}` : null
  }
  const grand = item.parent as Y.AbstractType<unknown>
  if (grand._item !== null || item.parentSub === null) return null
  const root = Y.findRootTypeKey(grand)
  return root === 'staff' || root === 'shifts' ? `${root}.${item.parentSub}.${key}` : null
}

/**
 * Everything the resolver remembers about one document: each update with the view its author had,
 * the merged state, and its violations. Detection is a pure function of the updates and their
 * known state vectors, so two instances fed the same log find the same conflicts.
 */
export class DocHistory {
  readonly doc: string
  private readonly entries: Entry[] = []
  private readonly bySeq = new Map<number, Entry>()
  private readonly ranges: ClockRange[] = []
  private readonly current = new Y.Doc({ gc: false })
  private currentJSON: ScheduleJSON
  private currentViolations: Map<string, Violation>

  constructor(doc: string) {
    this.doc = doc
    this.currentJSON = readSchedule(this.current)
    this.currentViolations = violations(this.currentJSON)
  }

  get state(): ScheduleJSON {
    return this.currentJSON
  }

  get headSeq(): number {
    return this.entries.at(-1)?.seq ?? 0
  }

  /** Adds an update; with `detect`, returns the conflicts its merge created. */
  ingest(event: EditEvent, detect: boolean): Detection[] {
    if (this.bySeq.has(event.seq)) return []
    const prevJSON = this.currentJSON
    const prevViolations = this.currentViolations
    const meta = Y.parseUpdateMeta(event.update)
    const sv = event.knownStateVector ? decodeStateVector(event.knownStateVector) : null

    Y.applyUpdate(this.current, event.update)
    meta.to.forEach((to, client) => {
      const from = meta.from.get(client) ?? 0
      if (to > from) this.ranges.push({ client, from, to, seq: event.seq })
    })
    this.currentJSON = readSchedule(this.current)
    this.currentViolations = violations(this.currentJSON)

    const overwrites = this.overwrittenItems(event)
    let known: Set<number> | null = null
    const concurrent = new Set<number>(overwrites.flatMap((o) => o.others.map((x) => x.seq)))
    if (event.knownSeqs) {
      const { upTo, also } = event.knownSeqs
      const alsoKnown = new Set(also)
      known = new Set(this.entries.filter((e) => e.seq <= upTo || alsoKnown.has(e.seq)).map((e) => e.seq))
    } else if (sv) {
      const ds = dsRanges(event.update)
      known = new Set(this.entries.filter((e) => this.coveredBy(e, sv, ds)).map((e) => e.seq))
    }
    let base = prevJSON
    let view = this.currentJSON
    if (known !== null || concurrent.size > 0) {
      const knownEntries = this.entries.filter((e) => (known ? known.has(e.seq) : !concurrent.has(e.seq)))
      const baseDoc = stateOf(knownEntries.map((e) => e.update))
      base = readSchedule(baseDoc)
      Y.applyUpdate(baseDoc, event.update)
      view = readSchedule(baseDoc)
    }
    const entry: Entry = {
      seq: event.seq, update: event.update, actor: event.actor, role: event.role, origin: event.origin,
      receivedAt: event.receivedAt, clientTime: event.clientTime ?? event.receivedAt,
      known, concurrent, changes: diffSchedules(base, view), view, viewViolations: new Set(violations(view).keys()),
    }
    this.entries.push(entry)
    this.bySeq.set(entry.seq, entry)
    if (!detect || event.origin === 'resolver') return []
    return [
      ...this.detectOverwrites(entry, overwrites),
      ...this.detectViolations(entry, prevViolations),
    ]
  }

  private isKnown(by: Entry, other: Entry): boolean {
    if (other.seq >= by.seq) return false
    return by.known ? by.known.has(other.seq) : !by.concurrent.has(other.seq)
  }

  private coveredBy(e: Entry, sv: Map<number, number>, ds: Array<{ client: number; clock: number; len: number }>): boolean {
    const meta = Y.parseUpdateMeta(e.update)
    const structs = [...meta.to].filter(([c, to]) => to > (meta.from.get(c) ?? 0))
    if (structs.length > 0) return structs.every(([client, to]) => (sv.get(client) ?? 0) >= to)
    // A delete-only update carries no clock; an offline client's sync reply carries its whole delete set.
    return dsCovers(ds, dsRanges(e.update))
  }

  private seqOf(id: Y.ID): number | undefined {
    return this.ranges.find((r) => r.client === id.client && r.from <= id.clock && id.clock < r.to)?.seq
  }

  /**
   * Map values this update set without seeing a value another update had set for the same key:
   * the new item's origin is not the item that was visible when the other one arrived ([V2]).
   */
  private overwrittenItems(event: EditEvent): Array<{ path: string; value: unknown; others: Array<{ seq: number; value: unknown }> }> {
    const out: Array<{ path: string; value: unknown; others: Array<{ seq: number; value: unknown }> }> = []
    for (const struct of Y.decodeUpdate(event.update).structs) {
      if (!(struct instanceof Y.Item)) continue
      // Decoded structs omit parentSub when they have an origin; the integrated item knows it.
      const item = Y.getItem(this.current.store, struct.id)
      if (!(item instanceof Y.Item) || item.parentSub === null || !(item.content instanceof Y.ContentAny)) continue
      const parent = item.parent as Y.AbstractType<unknown>
      const path = mapPath(parent, item.parentSub as string)
      if (path === null || !isOverwritableField(path)) continue
      // The decoded struct's origin is exact; the integrated item may have been merged with neighbours.
      const origin = struct.origin
      const value: unknown = item.content.getContent()[struct.id.clock - item.id.clock]
      // Values right of the origin that are not this update's own: written without this author seeing them.
      // Yjs merges adjacent deleted items of one client, so walk every clock of every item.
      const others: Array<{ seq: number; value: unknown }> = []
      let cursor = parent._map.get(item.parentSub as string) ?? null
      while (cursor !== null) {
        const covers = origin !== null && cursor.id.client === origin.client &&
          cursor.id.clock <= origin.clock && origin.clock < cursor.id.clock + cursor.length
        const contents = cursor.content instanceof Y.ContentAny ? cursor.content.getContent() : []
        for (let k = covers && origin ? origin.clock - cursor.id.clock + 1 : 0; k < cursor.length; k++) {
          const seq = this.seqOf(Y.createID(cursor.id.client, cursor.id.clock + k))
          if (seq !== undefined && seq !== event.seq && k < contents.length) others.push({ seq, value: contents[k] })
        }
        if (covers) break
        cursor = cursor.left
      }
      if (others.length > 0) out.push({ path, value, others })
    }
    return out
  }

  private involvement(entries: Entry[], relevant: (path: string) => boolean): Involvement {
    const first = entries[0] as Entry
    const last = entries.at(-1) as Entry
    const changes: ChangeSet = new Map()
    for (const e of entries) for (const [p, v] of e.changes) if (relevant(p)) changes.set(p, v)
    return {
      editorId: first.actor, role: last.role,
      clientTime: Math.min(...entries.map((e) => e.clientTime)), receivedAt: Math.min(...entries.map((e) => e.receivedAt)),
      seqs: entries.map((e) => e.seq), changes, view: last.view,
      note: entries.some((e) => [...e.changes.keys()].some((p) => p.endsWith('.notes'))),
    }
  }

  private detectOverwrites(entry: Entry, overwrites: ReturnType<DocHistory['overwrittenItems']>): Detection[] {
    const out: Detection[] = []
    for (const { path, value, others } of overwrites) {
      const byEditor = new Map<string, { entries: Entry[]; value: unknown }>()
      for (const o of others) {
        const e = this.bySeq.get(o.seq)
        if (!e || e.origin === 'resolver' || e.actor === entry.actor || sameValue(o.value, value)) continue
        const slot = byEditor.get(e.actor) ?? { entries: [], value: o.value }
        slot.entries.push(e)
        byEditor.set(e.actor, slot)
      }
      if (byEditor.size === 0) continue
      const only = (p: string): boolean => p === path
      const editors = [
        { ...this.involvement([entry], only), value },
        ...[...byEditor.values()].map((s) => ({ ...this.involvement(s.entries, only), value: s.value })),
      ]
      out.push({
        kind: 'concurrent_overwrite', key: `concurrent_overwrite:${path}`, seq: entry.seq, path,
        kept: valueAt(this.currentJSON, path), editors, merged: this.currentJSON,
      })
    }
    return out
  }

  private detectViolations(entry: Entry, before: Map<string, Violation>): Detection[] {
    const out: Detection[] = []
    for (const [key, v] of this.currentViolations) {
      if (before.has(key) || entry.viewViolations.has(key)) continue
      const rel = relevantPaths(v, [this.currentJSON, entry.view])
      const touches = (p: string): boolean => rel.some((r) => pathsTouch(p, r))
      if (![...entry.changes.keys()].some(touches)) continue
      const byEditor = new Map<string, Entry[]>()
      for (const other of this.entries) {
        if (other === entry || other.origin === 'resolver' || other.actor === entry.actor || this.isKnown(entry, other)) continue
        if (other.viewViolations.has(key) || ![...other.changes.keys()].some(touches)) continue
        byEditor.set(other.actor, [...(byEditor.get(other.actor) ?? []), other])
      }
      if (byEditor.size === 0) continue
      out.push({
        kind: v.kind, key, seq: entry.seq, violation: v, merged: this.currentJSON,
        editors: [this.involvement([entry], touches), ...[...byEditor.values()].map((es) => this.involvement(es, touches))],
      })
    }
    return out
  }
}
