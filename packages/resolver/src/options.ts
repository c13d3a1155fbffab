import { REMOVED, sameValue } from './changes.ts'
import type { Detection, Involvement } from './detect.ts'
import { weeklyHours } from '@rota/model'
import { valueAt, type ScheduleJSON } from './schedule.ts'
import type { ConflictEdit, ConflictFeatures, ConflictKind, ConflictOption, ConflictRefs, OptionFeatures, PathOp, Strategy } from './types.ts'

/** Kinds whose rule a team may knowingly waive, so "keep everything" is an option ([O2]). */
const waivable = new Set<ConflictKind>([
  'double_booking', 'max_hours_exceeded', 'time_off_violation', 'skill_mismatch', 'coverage_shortfall',
  'rest_too_short', 'too_many_consecutive_days', 'shift_too_long', 'day_too_long',
])

const roleRank: Record<string, number> = { viewer: 0, staff: 1, lead: 2, manager: 3, admin: 4 }

const iso = (ms: number): string => new Date(ms).toISOString()

const show = (v: unknown): string => (v === null ? 'nobody' : typeof v === 'string' ? `'${v}'` : JSON.stringify(v))

const describeOp = (op: PathOp): string => {
  const [root, id, field] = op.path.split('.')
  if (op.op === 'delete') return `remove ${id ?? root}`
  if (field === undefined && root !== 'settings') return `restore ${id}`
  if (field === 'assignee') return op.value === null ? `reopen ${id}` : `assign ${id} to ${String(op.value)}`
  return `set ${op.path} to ${show(op.value)}`
}

const labelFor = (who: string, ops: PathOp[], noun: string): string =>
  ops.length === 0 ? `Keep ${who}'s ${noun}` : `Keep ${who}'s ${noun}, ${ops.map(describeOp).join(', ')}`

/** Ops that put every path another editor changed back to how `keep` saw it, skipping no-ops against `merged`. */
const revertOthers = (keep: Involvement, others: Involvement[], merged: ScheduleJSON): PathOp[] => {
  const ops = new Map<string, PathOp>()
  for (const other of others) {
    for (const [path, value] of other.changes) {
      const seen = valueAt(keep.view, path)
      if (seen === undefined && path === 'settings.workRules') {
        // The kept editor saw no work rules: the way back is an empty set of rules (the key cannot be deleted).
        if (valueAt(merged, path) !== undefined) ops.set(path, { op: 'set', path, value: {} })
        continue
      }
      if (seen === undefined) {
        // The entity did not exist for `keep`: another editor created it.
        const entity = path.split('.').slice(0, 2).join('.')
        if (path.startsWith('settings') || valueAt(merged, entity) === undefined) continue
        for (const key of ops.keys()) if (key.startsWith(`${entity}.`)) ops.delete(key)
        ops.set(entity, { op: 'delete', path: entity })
        continue
      }
      if (value === REMOVED && valueAt(merged, path) !== undefined) continue
      if (sameValue(valueAt(merged, path), seen)) continue
      const entity = path.split('.').slice(0, 2).join('.')
      if (ops.get(entity)?.op === 'delete') continue
      ops.set(path, { op: 'set', path, value: seen })
    }
  }
  return [...ops.values()]
}

export interface BuiltConflict {
  kind: ConflictKind
  refs: ConflictRefs
  edits: ConflictEdit[]
  options: ConflictOption[]
  features: ConflictFeatures
}

const refsOf = (d: Detection): ConflictRefs => {
  if (d.kind === 'concurrent_overwrite') {
    const [root, id, field] = d.path.split('.')
    return {
      shifts: root === 'shifts' && id ? [id] : [],
      staff: root === 'staff' && id ? [id] : field === 'assignee'
        ? [...new Set(d.editors.map((e) => e.value).filter((v): v is string => typeof v === 'string'))].sort() : [],
      paths: [d.path], coverage: null,
    }
  }
  const v = d.violation
  switch (v.kind) {
    case 'double_booking': return { shifts: [...v.shifts], staff: [v.staff], paths: [], coverage: null }
    case 'max_hours_exceeded': return { shifts: [...v.shifts], staff: [v.staff], paths: [], coverage: null }
    case 'time_off_violation':
    case 'skill_mismatch':
    case 'dangling_reference': return { shifts: [v.shift], staff: [v.staff], paths: [], coverage: null }
    case 'coverage_shortfall': return { shifts: [...v.shifts], staff: [], paths: ['settings.coverage'], coverage: v.coverage }
    case 'rest_too_short':
    case 'too_many_consecutive_days':
    case 'day_too_long': return { shifts: [...v.shifts], staff: [v.staff], paths: [], coverage: null }
    case 'shift_too_long': return { shifts: [v.shift], staff: v.staff === null ? [] : [v.staff], paths: [], coverage: null }
  }
}

const magnitudeOf = (d: Detection): number => {
  if (d.kind === 'concurrent_overwrite') return 0
  const v = d.violation
  if (v.kind === 'double_booking') return v.overlapMinutes / 60
  if (v.kind === 'max_hours_exceeded') return v.hours - v.max
  if (v.kind === 'coverage_shortfall') return v.min - v.have
  // Hours short of the rest, days or hours over: the size of what keeping everything accepts.
  if (v.kind === 'rest_too_short') return v.min - v.restMinutes / 60
  if (v.kind === 'too_many_consecutive_days') return v.days - v.max
  if (v.kind === 'shift_too_long' || v.kind === 'day_too_long') return v.hours - v.max
  return 0
}

/** Applies set/delete ops to a JSON copy, for "what would hours be under this option". */
const applyToJSON = (s: ScheduleJSON, ops: PathOp[]): ScheduleJSON => {
  const copy = structuredClone(s) as unknown as Record<string, Record<string, Record<string, unknown>>>
  for (const op of ops) {
    const [root, id, field] = op.path.split('.') as [string, string, string | undefined]
    const coll = copy[root]
    if (!coll) continue
    if (field === undefined) {
      if (op.op === 'delete') delete coll[id]
      else coll[id] = op.value as Record<string, unknown>
    } else if (coll[id]) coll[id][field] = op.value
  }
  return copy as unknown as ScheduleJSON
}

/** The largest hours/maximum ratio of the given staff under a schedule; lower is "more people under their hours". */
const loadRatio = (s: ScheduleJSON, staff: string[]): number => {
  let worst = 0
  for (const who of staff) {
    const max = s.staff[who]?.maxHoursPerWeek
    if (!max) continue
    // @rota/model's weekly hours: the same count the rules and the week grid use.
    for (const h of Object.values(weeklyHours(s, { staffId: who })[who] ?? {})) worst = Math.max(worst, h / max)
  }
  return worst
}

const uniqueBest = <T>(items: T[], score: (t: T) => number): T | undefined => {
  if (items.length < 2) return undefined
  const scored = items.map((t) => ({ t, s: score(t) })).sort((a, b) => b.s - a.s)
  return (scored[0] as { s: number }).s > (scored[1] as { s: number }).s ? scored[0]?.t : undefined
}

/**
 * Options for a detected conflict and what the model sees of them: one option per involved
 * editor keeping only that editor's edit ([O1]), plus keep-all where the rule can be waived or notes merged ([O2]).
 */
export const buildConflict = (d: Detection): BuiltConflict => {
  const editors = d.editors
  const options: ConflictOption[] = []
  const byOption = new Map<string, Involvement>()
  editors.forEach((e, i) => {
    const id = `o${i + 1}`
    const ops = d.kind === 'concurrent_overwrite'
      ? (sameValue(valueAt(d.merged, d.path), e.value) ? [] : [{ op: 'set' as const, path: d.path, value: e.value }])
      : revertOthers(e, editors.filter((o) => o !== e), d.merged)
    options.push({ id, keeps: [e.editorId], label: labelFor(e.editorId, ops, d.kind === 'concurrent_overwrite' ? `value ${show(e.value)}` : 'edit'), ops })
    byOption.set(id, e)
  })
  let keepAll: ConflictOption | undefined
  const all = editors.map((e) => e.editorId)
  if (d.kind === 'concurrent_overwrite' && d.path.endsWith('.notes')) {
    const merged = [...new Set(editors.map((e) => String(e.value ?? '')).filter((t) => t !== ''))].join('\n')
    const ops = sameValue(valueAt(d.merged, d.path), merged) ? [] : [{ op: 'set' as const, path: d.path, value: merged }]
    keepAll = { id: `o${options.length + 1}`, keeps: all, label: 'Keep both notes', ops }
  } else if (d.kind !== 'concurrent_overwrite' && waivable.has(d.kind)) {
    keepAll = { id: `o${options.length + 1}`, keeps: all, label: 'Keep all edits and accept the conflict', ops: [] }
  }
  if (keepAll) options.push(keepAll)

  const refs = refsOf(d)
  const strategies = new Map<string, Strategy[]>(options.map((o) => [o.id, []]))
  const mark = (optionId: string | undefined, s: Strategy): void => {
    if (optionId !== undefined) strategies.get(optionId)?.push(s)
  }
  const editorOptions = options.filter((o) => byOption.has(o.id))
  const editorOf = (o: ConflictOption): Involvement => byOption.get(o.id) as Involvement
  mark(uniqueBest(editorOptions, (o) => -editorOf(o).clientTime)?.id, 'first_writer_wins')
  mark(uniqueBest(editorOptions, (o) => editorOf(o).clientTime)?.id, 'last_writer_wins')
  mark(uniqueBest(editorOptions, (o) => roleRank[editorOf(o).role] ?? 0)?.id, 'senior_role')
  mark(uniqueBest(editorOptions, (o) => (editorOf(o).role === 'staff' ? 1 : 0))?.id, 'self_service')
  mark(uniqueBest(editorOptions, (o) => (editorOf(o).note ? 1 : 0))?.id, 'with_note')
  const people = [...new Set([...refs.staff, ...editors.map((e) => e.value).filter((v): v is string => typeof v === 'string')])]
  mark(uniqueBest(options, (o) => -loadRatio(applyToJSON(d.merged, o.ops), people))?.id, 'under_hours')
  if (keepAll) mark(keepAll.id, 'keep_all')
  for (const o of options) if (o.ops.length === 0) mark(o.id, 'yjs_kept')

  const features: ConflictFeatures = {
    kind: d.kind,
    options: options.map((o): OptionFeatures => ({ optionId: o.id, strategies: strategies.get(o.id) ?? [], keepAll: o === keepAll })),
    magnitude: magnitudeOf(d),
    rolesDiffer: new Set(editors.map((e) => e.role)).size > 1,
  }
  const edits = editors.map((e): ConflictEdit => ({ editorId: e.editorId, role: e.role, clientTime: iso(e.clientTime), receivedAt: iso(e.receivedAt) }))
  return { kind: d.kind, refs, edits, options, features }
}
