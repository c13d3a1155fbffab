/**
 * From an ingested entry to the conflicts it created (SPEC.md "What is detected"): only the violations
 * the entry's merge added are looked at, and an author's view is asked only about the violation at hand.
 */
import { sameValue, type ChangeSet } from './changes.ts'
import type { Entry } from './entries.ts'
import type { ScheduleIndex } from './indexes.ts'
import type { Overwrite } from './overwrites.ts'
import { holds, pathsTouch, relevantPaths, type Violation } from './rules.ts'
import { valueAt, type ScheduleJSON } from './schedule.ts'
import type { ScheduleSource } from './source.ts'

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

/** What detection reads of a document's history (DocHistory, for one entry). */
export interface DetectContext {
  index: ScheduleIndex
  entry(seq: number): Entry | undefined
  /** Retained entries before `entry` its author had not seen, oldest first. */
  unknownTo(entry: Entry): Entry[]
  changesOf(entry: Entry): ChangeSet
  viewSource(entry: Entry): ScheduleSource
  viewJSON(entry: Entry): ScheduleJSON
  merged(): ScheduleJSON
}

const involvement = (ctx: DetectContext, entries: Entry[], relevant: (path: string) => boolean): Involvement => {
  const first = entries[0] as Entry
  const last = entries.at(-1) as Entry
  const changes: ChangeSet = new Map()
  for (const e of entries) for (const [p, v] of ctx.changesOf(e)) if (relevant(p)) changes.set(p, v)
  return {
    editorId: first.actor, role: last.role,
    clientTime: Math.min(...entries.map((e) => e.clientTime)), receivedAt: Math.min(...entries.map((e) => e.receivedAt)),
    seqs: entries.map((e) => e.seq), changes, view: ctx.viewJSON(last),
    note: entries.some((e) => [...ctx.changesOf(e).keys()].some((p) => p.endsWith('.notes'))),
  }
}

/** [CO1]/[CO2]: values the entry set concurrently with other editors' different values for the same field. */
export const detectOverwrites = (ctx: DetectContext, entry: Entry, overwrites: Overwrite[]): Detection[] => {
  const out: Detection[] = []
  for (const { path, value, others } of overwrites) {
    const byEditor = new Map<string, { entries: Entry[]; value: unknown }>()
    for (const o of others) {
      const e = ctx.entry(o.seq)
      if (!e || e.origin === 'resolver' || e.actor === entry.actor || sameValue(o.value, value)) continue
      const slot = byEditor.get(e.actor) ?? { entries: [], value: o.value }
      slot.entries.push(e)
      byEditor.set(e.actor, slot)
    }
    if (byEditor.size === 0) continue
    const only = (p: string): boolean => p === path
    const editors = [
      { ...involvement(ctx, [entry], only), value },
      ...[...byEditor.values()].map((s) => ({ ...involvement(ctx, s.entries, only), value: s.value })),
    ]
    const merged = ctx.merged()
    out.push({ kind: 'concurrent_overwrite', key: `concurrent_overwrite:${path}`, seq: entry.seq, path, kept: valueAt(merged, path), editors, merged })
  }
  return out
}

/**
 * Violations the entry's merge added ([N1], conditions 1–3): absent from its author's view, on paths the
 * entry changed, and on paths an unseen entry of another editor changed without the violation in its view.
 */
export const detectViolations = (ctx: DetectContext, entry: Entry, added: Violation[]): Detection[] => {
  // A live update made on everything before it saw the merged state: it made every violation knowingly.
  if (added.length === 0 || (entry.known.kind === 'live' && entry.known.concurrent.size === 0)) return []
  const out: Detection[] = []
  const view = ctx.viewSource(entry)
  const unknown = ctx.unknownTo(entry).filter((o) => o.origin !== 'resolver' && o.actor !== entry.actor)
  if (unknown.length === 0) return []
  for (const v of added) {
    if (holds(view, v)) continue
    const rel = relevantPaths(v, [ctx.index, view])
    const touches = (p: string): boolean => rel.some((r) => pathsTouch(p, r))
    if (![...ctx.changesOf(entry).keys()].some(touches)) continue
    const byEditor = new Map<string, Entry[]>()
    for (const other of unknown) {
      if (![...ctx.changesOf(other).keys()].some(touches) || holds(ctx.viewSource(other), v)) continue
      byEditor.set(other.actor, [...(byEditor.get(other.actor) ?? []), other])
    }
    if (byEditor.size === 0) continue
    out.push({
      kind: v.kind, key: v.key, seq: entry.seq, violation: v, merged: ctx.merged(),
      editors: [involvement(ctx, [entry], touches), ...[...byEditor.values()].map((es) => involvement(ctx, es, touches))],
    })
  }
  return out
}
