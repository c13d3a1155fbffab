import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { toJSON, weeklyHours } from '@rota/model'
import { commands, play } from './arbitraries.ts'
import { diffRecord, type ChangeSet } from './changes.ts'
import { DocHistory, type EditEvent } from './history.ts'
import { ScheduleIndex } from './indexes.ts'
import { pathsTouch, relevantPaths, violations } from './rules.ts'
import type { ScheduleJSON } from './schedule.ts'

const runs = (n: number): fc.Parameters<unknown> => ({ numRuns: Number(process.env.ROTA_FC_RUNS ?? n) })

/** The author's view as the old resolver built it: a new document from the updates the author had, plus theirs. */
const rebuilt = (events: EditEvent[], seqs: number[]): ReturnType<typeof toJSON> => {
  const doc = new Y.Doc({ gc: false })
  const wanted = new Set(seqs)
  const updates = events.filter((e) => wanted.has(e.seq)).map((e) => e.update)
  if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(updates))
  return toJSON(doc)
}

const diff = (a: ScheduleJSON, b: ScheduleJSON): ChangeSet => {
  const out: ChangeSet = new Map()
  for (const root of ['staff', 'shifts'] as const) {
    for (const id of new Set([...Object.keys(a[root]), ...Object.keys(b[root])])) diffRecord(out, `${root}.${id}`, a[root][id], b[root][id])
  }
  diffRecord(out, 'settings', a.settings, b.settings)
  return out
}

/**
 * Detection as SPEC.md states it, on whole states (the old resolver's way, with today's rules): every
 * violation of the merged state after the update, not before, not in the author's view, with an unseen
 * entry of another editor touching it without it in that entry's view. Keys and editors, sorted.
 */
const referenceDetections = (events: EditEvent[], h: DocHistory, upTo: number): string[] => {
  const event = events.find((e) => e.seq === upTo)!
  if (event.origin === 'resolver') return []
  const seqs = (n: number) => events.filter((e) => e.seq <= n).map((e) => e.seq)
  const known = h.explain(upTo)!.known
  const view = rebuilt(events, [...known, upTo])
  const changes = diff(rebuilt(events, known), view)
  const before = violations(rebuilt(events, seqs(upTo - 1)))
  const inView = violations(view)
  const out: string[] = []
  for (const [key, v] of violations(rebuilt(events, seqs(upTo)))) {
    if (before.has(key) || inView.has(key)) continue
    const rel = relevantPaths(v, [ScheduleIndex.fromJSON(rebuilt(events, seqs(upTo))), ScheduleIndex.fromJSON(view)])
    const touches = (p: string): boolean => rel.some((r) => pathsTouch(p, r))
    if (![...changes.keys()].some(touches)) continue
    const editors = new Set<string>()
    for (const other of events.filter((e) => e.seq < upTo && !known.includes(e.seq) && e.origin !== 'resolver' && e.actor !== event.actor)) {
      const theirs = h.explain(other.seq)!
      if (![...theirs.changes.keys()].some(touches) || violations(theirs.view).has(key)) continue
      editors.add(other.actor)
    }
    if (editors.size > 0) out.push(`${key} ${[event.actor, ...[...editors].sort()].join(',')}`)
  }
  return out.sort()
}

describe('incremental indexes', () => {
  it('[P1] property: after any sequence of updates, the indexes and violations equal a from-scratch computation', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const server = play(cmds)
        const h = new DocHistory('t/d')
        const merged = new Y.Doc({ gc: false })
        for (const e of server.events) {
          h.ingest(e, true)
          Y.applyUpdate(merged, e.update)
          const json = toJSON(merged)
          expect(h.state).toEqual(json)
          const scratch = ScheduleIndex.fromJSON(json)
          expect(h.indexes.index.describe()).toEqual(scratch.describe())
          expect(Object.fromEntries(h.indexes.violations)).toEqual(Object.fromEntries(violations(json)))
        }
        // Hours by person and week are @rota/model's weekly hours (its split of a shift across the week boundary).
        const json = toJSON(merged)
        const minutes = h.indexes.index.describe().minutes as Record<string, Record<string, number>>
        const hours = Object.fromEntries(Object.entries(minutes).map(([p, weeks]) => [p, Object.fromEntries(Object.entries(weeks).map(([w, m]) => [w, m / 60]))]))
        expect(hours).toEqual(Object.fromEntries(Object.entries(weeklyHours(json)).filter(([, weeks]) => Object.keys(weeks).length > 0)))
      }),
      runs(60),
    )
  }, 120_000)

  it('[P1] property: incremental detection finds what detection on whole states finds', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const server = play(cmds)
        const h = new DocHistory('t/d')
        for (const e of server.events) {
          const found = h.ingest(e, true).filter((d) => d.kind !== 'concurrent_overwrite')
          const got = found.map((d) => `${d.key} ${[d.editors[0]!.editorId, ...d.editors.slice(1).map((x) => x.editorId).sort()].join(',')}`).sort()
          expect(got).toEqual(referenceDetections(server.events, h, e.seq))
        }
      }),
      runs(60),
    )
  }, 120_000)

  it('[P1] [V1] property: an author\'s view read from the one document equals the view rebuilt from the updates they had', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const server = play(cmds)
        const h = new DocHistory('t/d')
        for (const e of server.events) h.ingest(e, true)
        for (const e of server.events) {
          const explained = h.explain(e.seq)!
          expect(explained.view).toEqual(rebuilt(server.events, [...explained.known, e.seq]))
          expect(explained.base).toEqual(rebuilt(server.events, explained.known))
        }
      }),
      runs(60),
    )
  }, 120_000)
})
