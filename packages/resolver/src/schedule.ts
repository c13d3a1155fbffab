/** The schedule's JSON type (@rota/model's), and reading one value out of it by path. */
export type { ScheduleJSON } from '@rota/model'

/** The value at a dotted path ('shifts.s1.assignee') of a schedule's JSON, or undefined. */
export const valueAt = (schedule: object, path: string): unknown => {
  let node: unknown = schedule
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string, unknown>)[part]
  }
  return node
}
