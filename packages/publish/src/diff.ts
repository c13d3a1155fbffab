import { shiftsOf, type DateRange, type ScheduleJSON, type ShiftJSON } from '@rota/model'
import type { ShiftChange } from './types.ts'

/** The fields whose change a person is told about (all of a shift's: time, role, skill, notes). */
const sameShift = (a: ShiftJSON, b: ShiftJSON): boolean =>
  a.date === b.date && a.start === b.start && a.end === b.end && a.role === b.role && a.requiredSkill === b.requiredSkill && a.notes === b.notes

export type Marker = (before: ShiftJSON | null, after: ShiftJSON | null) => boolean

/** The shifts a schedule holds for a person within the range, by id (@rota/model's shiftsOf decides "within"). */
const mineIn = (schedule: Pick<ScheduleJSON, 'shifts'>, staff: string, range: DateRange): Map<string, ShiftJSON> =>
  new Map(shiftsOf(schedule as ScheduleJSON, staff, range).map((t) => [t.id, t.shift]))

/**
 * One person's changes from `before` (what they were last told for the range) to `after` (what they are told
 * now), from their side. A shift of theirs in the range before and not after is `removed` (gone, or open),
 * `reassigned` (someone else's now) or `changed` (still theirs, moved out of the range); the other way
 * round `new`, `reassigned` or `changed`. Sorted by shift id, so receipts compare equal.
 */
export const changesFor = (staff: string, before: Pick<ScheduleJSON, 'shifts'>, after: Pick<ScheduleJSON, 'shifts'>, range: DateRange, shortNotice: Marker): ShiftChange[] => {
  const was = mineIn(before, staff, range)
  const is = mineIn(after, staff, range)
  const out: ShiftChange[] = []
  const push = (change: Omit<ShiftChange, 'shortNotice'>): void => {
    out.push({ ...change, shortNotice: shortNotice(change.before, change.after) })
  }
  for (const [id, old] of was) {
    const now = is.get(id) ?? after.shifts[id] ?? null
    if (now === null || now.assignee === null) push({ kind: 'removed', shift: id, before: old, after: now })
    else if (now.assignee !== staff) push({ kind: 'reassigned', shift: id, before: old, after: now, from: staff, to: now.assignee })
    else if (!sameShift(old, now)) push({ kind: 'changed', shift: id, before: old, after: now })
  }
  for (const [id, now] of is) {
    if (was.has(id)) continue
    const old = before.shifts[id] ?? null
    if (old === null || old.assignee === null) push({ kind: 'new', shift: id, before: old, after: now })
    else if (old.assignee !== staff) push({ kind: 'reassigned', shift: id, before: old, after: now, from: old.assignee, to: staff })
    else push({ kind: 'changed', shift: id, before: old, after: now })
  }
  return out.sort((a, b) => (a.shift < b.shift ? -1 : a.shift > b.shift ? 1 : 0))
}

/** Everyone's changes: the people assigned to a shift in either state; those without changes are left out. */
export const changesByPerson = (before: Pick<ScheduleJSON, 'shifts'>, after: Pick<ScheduleJSON, 'shifts'>, range: DateRange, shortNotice: Marker): Map<string, ShiftChange[]> => {
  const people = new Set<string>()
  for (const s of [...Object.values(before.shifts), ...Object.values(after.shifts)]) if (s.assignee !== null) people.add(s.assignee)
  const out = new Map<string, ShiftChange[]>()
  for (const staff of [...people].sort()) {
    const changes = changesFor(staff, before, after, range, shortNotice)
    if (changes.length > 0) out.set(staff, changes)
  }
  return out
}
