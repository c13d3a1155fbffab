/** Sentinel for "this entity was removed". */
export const REMOVED: unique symbol = Symbol('removed')
type ChangedValue = unknown | typeof REMOVED

/**
 * What an edit changed, as leaf paths: `shifts.s1.assignee` → new value; a removed entity is one entry
 * (`staff.ana` → REMOVED); a created entity lists each of its fields.
 */
export type ChangeSet = Map<string, ChangedValue>

export const sameValue = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b)

/**
 * Adds what changed in one record (`shifts.s1`, `staff.ana`) or in the settings (`settings`) between two
 * states: a created record lists each field, a removed one is one REMOVED entry, settings list each field.
 */
export const diffRecord = (out: ChangeSet, key: string, before: object | undefined, after: object | undefined): void => {
  if (key === 'settings') {
    for (const [field, value] of Object.entries(after ?? {})) {
      if (!sameValue((before as Record<string, unknown> | undefined)?.[field], value)) out.set(`settings.${field}`, value)
    }
    return
  }
  if (after === undefined) {
    if (before !== undefined) out.set(key, REMOVED)
    return
  }
  const prev = before as Record<string, unknown> | undefined
  for (const [field, value] of Object.entries(after)) if (!prev || !sameValue(prev[field], value)) out.set(`${key}.${field}`, value)
}

/** Whether two records (or settings) read equal. */
export const sameRecord = (a: object | undefined, b: object | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && Object.entries(a).every(([field, value]) => sameValue((b as Record<string, unknown>)[field], value)))

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
