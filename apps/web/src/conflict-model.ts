/**
 * Conflicts as the inbox shows them: grouped by status, with plain-language titles and the
 * shifts and people they are about. Pure, unit-tested.
 */
import type { ScheduleJSON } from '@rota/model'
import type { Conflict, ConflictOption } from './api.ts'
import { fieldLabel } from './history-model.ts'
import { dayLabel, isDate } from './week.ts'

const TITLES: Record<string, string> = {
  concurrent_overwrite: 'Two people changed the same thing',
  double_booking: 'Double booking',
  max_hours_exceeded: 'Over weekly hours',
  time_off_violation: 'Assigned on a day off',
  skill_mismatch: 'Missing skill or role',
  dangling_reference: 'Assigned to someone removed',
  coverage_shortfall: 'Coverage shortfall',
  rest_too_short: 'Rest between shifts too short',
  too_many_consecutive_days: 'Too many working days in a row',
  shift_too_long: 'Shift too long',
  day_too_long: 'Too many hours in a day',
}

export const conflictTitle = (kind: string): string => TITLES[kind] ?? kind.replaceAll('_', ' ')

export interface Inbox {
  open: Conflict[]
  auto: Conflict[]
  closed: Conflict[]
}

const newestFirst = (a: Conflict, b: Conflict): number => (b.resolvedAt ?? b.detectedAt).localeCompare(a.resolvedAt ?? a.detectedAt)

export const groupConflicts = (conflicts: Conflict[]): Inbox => ({
  open: conflicts.filter((c) => c.status === 'open').sort((a, b) => a.detectedAt.localeCompare(b.detectedAt)),
  auto: conflicts.filter((c) => c.status === 'auto_applied').sort(newestFirst),
  closed: conflicts.filter((c) => c.status !== 'open' && c.status !== 'auto_applied').sort(newestFirst),
})

export const staffName = (schedule: ScheduleJSON, id: string | null): string =>
  id === null ? 'nobody' : (schedule.staff[id]?.name ?? `${id} (removed)`)

/** 'Mon 23 Nov 07:00–15:00 nurse · Ana' */
export const describeShift = (schedule: ScheduleJSON, id: string): string => {
  const shift = schedule.shifts[id]
  if (shift === undefined) return `${id} (deleted)`
  const day = isDate(shift.date) ? dayLabel(shift.date) : shift.date
  return `${day} ${shift.start}–${shift.end}${shift.role ? ` ${shift.role}` : ''} · ${staffName(schedule, shift.assignee)}`
}

/** The option that keeps everyone's edits, if the conflict may be waived. */
export const keepAllOption = (conflict: Conflict): ConflictOption | undefined => {
  const editors = new Set(conflict.edits.map((e) => e.editorId))
  return conflict.options.find((o) => editors.size > 1 && [...editors].every((id) => o.keeps.includes(id)))
}

export const percent = (confidence: number): string => `${Math.round(confidence * 100)}%`

/** 'assignee of Tue 24 Nov 07:00–15:00 nurse · Ben', 'max hours of Ana' for a document path. */
export const describePath = (schedule: ScheduleJSON, path: string): string => {
  const [root, id, field] = path.split('.')
  if (id === undefined) return path
  if (root === 'shifts') return `${field === undefined ? 'shift' : fieldLabel(field)} of ${describeShift(schedule, id)}`
  if (root === 'staff') return `${field === undefined ? 'record' : fieldLabel(field)} of ${staffName(schedule, id)}`
  return path
}
