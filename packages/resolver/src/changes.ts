import type { ScheduleJSON } from './schedule.ts'

/** Sentinel for "this entity was removed". */
export const REMOVED: unique symbol = Symbol('removed')
export type ChangedValue = unknown | typeof REMOVED

/**
 * What an edit changed, as leaf paths: `shifts.s1.assignee` → new value; a removed entity is one entry
 * (`staff.ana` → REMOVED); a created entity lists each of its fields.
 */
export type ChangeSet = Map<string, ChangedValue>

export const sameValue = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b)

const diffEntities = (out: ChangeSet, root: string, before: Record<string, object>, after: Record<string, object>): void => {
  for (const [id, entity] of Object.entries(after)) {
    const prev = before[id] as Record<string, unknown> | undefined
    for (const [field, value] of Object.entries(entity)) {
      if (!prev || !sameValue(prev[field], value)) out.set(`${root}.${id}.${field}`, value)
    }
  }
  for (const id of Object.keys(before)) if (!(id in after)) out.set(`${root}.${id}`, REMOVED)
}

export const diffSchedules = (before: ScheduleJSON, after: ScheduleJSON): ChangeSet => {
  const out: ChangeSet = new Map()
  diffEntities(out, 'staff', before.staff, after.staff)
  diffEntities(out, 'shifts', before.shifts, after.shifts)
  for (const [field, value] of Object.entries(after.settings)) {
    if (!sameValue((before.settings as unknown as Record<string, unknown>)[field], value)) out.set(`settings.${field}`, value)
  }
  return out
}

/**
 * Fields Yjs stores as one map value, so concurrent sets overwrite each other. Y.Array fields
 * (`skills`, `unavailable`) merge element-wise and are left alone.
 */
export const isOverwritableField = (path: string): boolean => {
  const parts = path.split('.')
  if (parts[0] === 'settings') return parts.length === 2
  if (parts.length !== 3) return false
  return parts[0] === 'shifts' || (parts[0] === 'staff' && parts[2] !== 'skills' && parts[2] !== 'unavailable')
}
