/**
 * What the Publish view and "My shifts" show, as plain data: a preview per person in words, the
 * last publication in one line, a receipt from the person's side (added, moved, removed,
 * reassigned), inbox items in words. Pure, so it is unit-tested without a browser; the views only
 * turn these into elements.
 */
import type { ScheduleJSON, ShiftJSON } from '@rota/model'
import type { DateRange, InboxItem, Publication, PublishPreview, ShiftChange } from './api.ts'
import { conflictTitle, describeShift, staffName } from './conflict-model.ts'
import { addDays, dayLabel, isDate } from './week.ts'
import { workViolationFigures } from './work-rules-model.ts'

/** The range the Publish form starts with: the week on screen. */
export const weekRange = (weekStart: string): DateRange => ({ from: weekStart, to: addDays(weekStart, 6) })

/** A form's range, or why it is not one (the server says the same with ROTA_PUBLISH_BAD_RANGE). */
export const checkRange = (from: string, to: string): DateRange | string => {
  if (!isDate(from) || !isDate(to)) return 'Pick a first and a last date.'
  if (to < from) return 'The last date is before the first.'
  return { from, to }
}

/** 'Mon 23 Nov 07:00–15:00 nurse' (the shift as it reads in a list). */
export const shiftLine = (shift: ShiftJSON): string =>
  `${isDate(shift.date) ? dayLabel(shift.date) : shift.date} ${shift.start}–${shift.end}${shift.role ? ` ${shift.role}` : ''}`

const RANGE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })

/** '23 Nov 2026 – 29 Nov 2026' (or one date). */
export const rangeLabel = (range: DateRange): string => {
  const one = (d: string): string => (isDate(d) ? RANGE.format(new Date(`${d}T00:00:00Z`)) : d)
  return range.from === range.to ? one(range.from) : `${one(range.from)} – ${one(range.to)}`
}

const WHEN = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })

/** An ISO instant the way the app shows it (UTC, so every reader sees the same words). */
export const whenLabel = (iso: string, format: Intl.DateTimeFormat = WHEN): string => {
  const t = Date.parse(iso)
  return Number.isNaN(t) ? iso : format.format(new Date(t))
}

/** 'Published 23 Nov 2026 – 29 Nov 2026 by maria on 13 Nov 2026, 12:00 · 3 people told' */
export const publicationLine = (p: Publication): string =>
  `Published ${rangeLabel(p.range)} by ${p.by} on ${whenLabel(p.at)} UTC · ${p.people === 1 ? '1 person' : `${p.people} people`} told`

type ChangeTone = 'new' | 'changed' | 'removed' | 'reassigned'

export interface ChangeLine {
  shift: string
  /** What happened, from the person's side. */
  label: string
  tone: ChangeTone
  /** The shift as it is now (or was, when removed). */
  text: string
  /** The previous version, when the date, time or role changed. */
  was: string | null
  shortNotice: boolean
}

const moved = (c: ShiftChange): boolean =>
  c.before !== null && c.after !== null && (c.before.date !== c.after.date || c.before.start !== c.after.start || c.before.end !== c.after.end)

/**
 * One change in words, for `me` (a staff id): a reassignment reads 'Given to you by …' or 'Moved to …'
 * depending on the side, a changed date or time is 'Moved'. `name` names a staff id.
 */
export const changeLine = (c: ShiftChange, me: string, name: (id: string | null) => string): ChangeLine => {
  const shown = c.after ?? c.before
  const text = shown === null ? c.shift : shiftLine(shown)
  const was = c.before !== null && c.after !== null && shiftLine(c.before) !== shiftLine(c.after) ? shiftLine(c.before) : null
  let label: string
  switch (c.kind) {
    case 'new': label = 'Added'; break
    case 'removed': label = 'Removed'; break
    case 'changed': label = moved(c) ? 'Moved' : 'Changed'; break
    case 'reassigned': label = c.to === me ? `Reassigned to you from ${name(c.from ?? null)}` : `Reassigned to ${name(c.to ?? null)}`; break
  }
  return { shift: c.shift, label, tone: c.kind, text, was, shortNotice: c.shortNotice }
}

export interface PreviewPerson {
  staff: string
  name: string
  lines: ChangeLine[]
  shortNotice: number
  /** '2 added, 1 removed · 1 short notice' */
  detail: string
  /** 'Ana: 2 added, 1 removed · 1 short notice' */
  summary: string
}

const countWords = (lines: ChangeLine[]): string => {
  const counts = new Map<ChangeTone, number>()
  for (const l of lines) counts.set(l.tone, (counts.get(l.tone) ?? 0) + 1)
  const words: Record<ChangeTone, string> = { new: 'added', changed: 'changed', removed: 'removed', reassigned: 'reassigned' }
  return (['new', 'changed', 'reassigned', 'removed'] as const).filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${words[k]}`).join(', ')
}

const sortKey = (c: ShiftChange): string => {
  const s = c.after ?? c.before
  return s === null ? '' : `${s.date} ${s.start}`
}

/** A person's changes in words, by date and time (a preview card, a receipt). */
export const changeLines = (changes: readonly ShiftChange[], me: string, name: (id: string | null) => string): ChangeLine[] =>
  [...changes]
    .sort((a, b) => sortKey(a).localeCompare(sortKey(b)) || a.shift.localeCompare(b.shift))
    .map((c) => changeLine(c, me, name))

/** The preview per person, people by name; each person's changes by date and time. */
export const previewPeople = (preview: PublishPreview, schedule: ScheduleJSON): PreviewPerson[] => {
  const name = (id: string | null): string => (id === null ? 'nobody' : (preview.people.find((p) => p.staff === id)?.name ?? staffName(schedule, id)))
  return preview.people
    .map((p) => {
      const lines = changeLines(p.changes, p.staff, name)
      const shortNotice = lines.filter((l) => l.shortNotice).length
      const who = p.name ?? `${p.staff} (removed)`
      const detail = `${countWords(lines)}${shortNotice ? ` · ${shortNotice} short notice` : ''}`
      return { staff: p.staff, name: who, lines, shortNotice, detail, summary: `${who}: ${detail}` }
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.staff.localeCompare(b.staff))
}

/** The rule violations and open conflicts of a preview, in words. */
export const previewProblems = (preview: PublishPreview, schedule: ScheduleJSON): { conflicts: string[]; violations: string[] } => ({
  conflicts: preview.conflicts.map((c) => `${conflictTitle(c.kind)}: ${[...c.staff.map((s) => staffName(schedule, s)), ...c.shifts.map((s) => describeShift(schedule, s))].join('; ')}`),
  violations: preview.violations.map((v) => {
    const about: string[] = []
    if (typeof v.staff === 'string') about.push(staffName(schedule, v.staff))
    if (typeof v.shift === 'string') about.push(describeShift(schedule, v.shift))
    if (Array.isArray(v.shifts) && v.kind === 'double_booking') about.push(...v.shifts.map((s) => describeShift(schedule, s)))
    if (v.kind === 'max_hours_exceeded' && typeof v.hours === 'number') about.push(`${Math.round(v.hours * 10) / 10}h of ${v.max}h in the week of ${v.week}`)
    const coverage = v.coverage as { role?: string; date?: string; start?: string; end?: string } | undefined
    if (v.kind === 'coverage_shortfall' && coverage) about.push(`${coverage.role} on ${coverage.date} ${coverage.start}–${coverage.end}: ${String(v.have)}/${String(v.min)}`)
    const work = workViolationFigures(v)
    if (work !== null) about.push(work)
    return `${conflictTitle(v.kind)}${about.length ? `: ${about.join('; ')}` : ''}`
  }),
})

/** 'Publish 23 Nov – 29 Nov 2026: 3 people are told' (the button and the confirmation say it). */
export const publishSummary = (preview: PublishPreview): string => {
  const n = preview.people.length
  return n === 0 ? 'Nobody’s shifts changed since the last publication' : `${n === 1 ? '1 person is' : `${n} people are`} told what changed for them`
}

/** An inbox item in one line. */
export const inboxLine = (item: InboxItem): string => {
  if (item.kind === 'published') {
    const n = item.changes?.length ?? 0
    const short = item.changes?.filter((c) => c.shortNotice).length ?? 0
    return `Your shifts were published: ${n === 1 ? '1 change' : `${n} changes`}${short ? `, ${short} at short notice` : ''}`
  }
  if (item.kind === 'changed_after_publication') {
    const shift = item.published ? shiftLine(item.published) : 'a new shift'
    return `A shift of yours changed after it was published (${shift})${(item.times ?? 1) > 1 ? ` · ${item.times} changes` : ''}`
  }
  if (item.kind === 'conflict_needs_decision' && item.conflict) {
    return `A conflict needs your decision: ${conflictTitle(item.conflict.kind)}`
  }
  if (item.kind === 'conflict_resolved_automatically' && item.conflict) {
    return `A conflict involving your edit was resolved automatically: ${conflictTitle(item.conflict.kind)}${item.conflict.applied ? ` · ${item.conflict.applied}` : ''}`
  }
  if (item.kind === 'change_not_accepted') {
    const [first, ...rest] = item.refused ?? []
    return `A change of yours was not accepted${first ? `: ${first.reason}` : ''}${rest.length ? ` (and ${rest.length} more)` : ''}`
  }
  return item.kind.replaceAll('_', ' ')
}

/** The unread badge's text and accessible name; null hides it. */
export const unreadBadge = (unread: number | null): { text: string; label: string } | null =>
  unread === null || unread <= 0 ? null : { text: unread > 99 ? '99+' : String(unread), label: `${unread} unread` }
