/**
 * History entries as a timeline: who, when, and a short "what" from the changes the server
 * describes (paths like 'shifts.sh1.assignee'). Pure, unit-tested.
 */
import type { ScheduleJSON } from '@rota/model'
import type { HistoryEntry } from './api.ts'

export interface TimelineItem {
  seq: number
  who: string
  when: Date
  origin: string
  what: string
}

/** A field name as people say it: 'maxHoursPerWeek' → 'max hours'. */
export const fieldLabel = (field: string): string => FIELD_TEXT[field] ?? field

const FIELD_TEXT: Record<string, string> = {
  assignee: 'assignment', date: 'date', start: 'start time', end: 'end time', role: 'role', requiredSkill: 'required skill',
  notes: 'notes', name: 'name', skills: 'skills', maxHoursPerWeek: 'max hours', unavailable: 'days off', timezone: 'time zone',
  weekStartsOn: 'first weekday', coverage: 'coverage rules',
}


/** One change in words, using names from `schedule` where it knows them. */
export const describeChange = (schedule: ScheduleJSON, change: { path: string; kind: string; value?: unknown }): string => {
  const [root, id, field] = change.path.split('.')
  const person = (staffId: unknown): string => (typeof staffId === 'string' ? (schedule.staff[staffId]?.name ?? staffId) : 'nobody')
  if (root === 'shifts' && id !== undefined) {
    if (field === undefined) return change.kind === 'delete' ? 'removed a shift' : change.kind === 'insert' || change.kind === 'set' ? 'added a shift' : 'changed a shift'
    if (field === 'assignee') {
      if (!('value' in change)) return 'changed an assignment'
      return change.value === null ? 'unassigned a shift' : `assigned ${person(change.value)}`
    }
    return `changed a shift's ${FIELD_TEXT[field] ?? field}`
  }
  if (root === 'staff' && id !== undefined) {
    if (field === undefined) return change.kind === 'delete' ? `removed ${person(id)}` : `added ${typeof (change.value as { name?: unknown })?.name === 'string' ? (change.value as { name: string }).name : person(id)}`
    return `changed ${person(id)}'s ${FIELD_TEXT[field] ?? field}`
  }
  if (root === 'settings') return `changed the ${FIELD_TEXT[id ?? ''] ?? 'settings'}`
  return `changed ${change.path}`
}

/** Newest first. Repeated phrases in one entry are counted: 'assigned Ana ×3'. */
export const timeline = (schedule: ScheduleJSON, entries: HistoryEntry[]): TimelineItem[] =>
  entries
    .map((entry) => {
      const phrases = new Map<string, number>()
      for (const change of entry.changes ?? []) {
        const text = describeChange(schedule, change)
        phrases.set(text, (phrases.get(text) ?? 0) + 1)
      }
      const what = phrases.size > 0
        ? [...phrases].slice(0, 3).map(([text, n]) => (n > 1 ? `${text} ×${n}` : text)).join(', ') + (phrases.size > 3 ? ` and ${phrases.size - 3} more` : '')
        : entry.origin === 'restore' ? 'restored an earlier version' : 'no visible change'
      return { seq: entry.seq, who: entry.actor, when: new Date(entry.clientTime ?? entry.time), origin: entry.origin, what }
    })
    .sort((a, b) => b.seq - a.seq)
