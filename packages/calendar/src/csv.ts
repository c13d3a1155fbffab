/**
 * CSV exports of a schedule: each person's hours per week (payroll) and the shifts of a date range. The
 * numbers are @rota/model's (weeklyHours and shiftMinutes, the grid's own queries), never recomputed here.
 * Written with csv-stringify (the csv project's stringifier, the most used one for Node): RFC 4180 quoting of
 * commas, quotes and line breaks, CRLF between records. Cells a spreadsheet would run as a formula (starting
 * with = + - @, a tab or a carriage return) get a leading apostrophe (OWASP's "CSV injection" advice).
 */
import { stringify } from 'csv-stringify/sync'
import { dayNumber, shiftMinutes, weekStartOf, weeklyHours, type DateRange, type ScheduleJSON } from '@rota/model'

const FORMULA_START = /^[=+\-@\t\r]/

/** A text cell made safe to open in a spreadsheet. */
export const guardCell = (text: string): string => (FORMULA_START.test(text) ? `'${text}` : text)

// csv-stringify quotes a field holding the delimiter, a quote or the record delimiter (CRLF); a lone LF or CR
// would go out bare, which Excel and many parsers read as the end of a record: `quoted_match` quotes those too.
const write = (columns: string[], rows: Array<Array<string | number>>): string =>
  stringify([columns, ...rows], { record_delimiter: 'windows', quoted_match: /[\r\n]/, cast: { string: guardCell } })

export const HOURS_COLUMNS = ['staff_id', 'staff_name', 'week_start', 'hours', 'minutes']

export interface HoursRow {
  staffId: string
  staffName: string
  weekStart: string
  hours: number
  minutes: number
}

/**
 * Hours per person per week, for the weeks that touch the range (whole weeks, starting on the schedule's
 * `weekStartsOn`): exactly `weeklyHours(schedule)`, so a shift across a week boundary counts in both weeks,
 * split at midnight. Only weeks with work appear (as in the model); people sorted by id, weeks by date.
 */
export const hoursRows = (schedule: ScheduleJSON, range: DateRange): HoursRow[] => {
  const firstWeek = weekStartOf(range.from, schedule.settings.weekStartsOn)
  const rows: HoursRow[] = []
  for (const [staffId, weeks] of Object.entries(weeklyHours(schedule))) {
    for (const [weekStart, hours] of Object.entries(weeks)) {
      if (weekStart < firstWeek || weekStart > range.to) continue
      rows.push({ staffId, staffName: schedule.staff[staffId]?.name ?? '', weekStart, hours, minutes: Math.round(hours * 60) })
    }
  }
  return rows
}

export const hoursCsv = (schedule: ScheduleJSON, range: DateRange): string =>
  write(HOURS_COLUMNS, hoursRows(schedule, range).map((r) => [r.staffId, r.staffName, r.weekStart, r.hours, r.minutes]))

export const SHIFTS_COLUMNS = ['shift_id', 'date', 'start', 'end', 'hours', 'role', 'required_skill', 'assignee', 'assignee_name', 'notes']

/** The shifts dated in the range (a shift belongs to the date it starts, as everywhere), open ones included. */
export const shiftsCsv = (schedule: ScheduleJSON, range: DateRange): string => {
  const from = dayNumber(range.from)
  const to = dayNumber(range.to)
  const rows = Object.entries(schedule.shifts)
    .filter(([, s]) => dayNumber(s.date) >= from && dayNumber(s.date) <= to)
    .sort(([a, x], [b, y]) => (x.date < y.date ? -1 : x.date > y.date ? 1 : x.start < y.start ? -1 : x.start > y.start ? 1 : a < b ? -1 : 1))
    .map(([id, s]) => [
      id, s.date, s.start, s.end, shiftMinutes(s) / 60, s.role, s.requiredSkill ?? '',
      s.assignee ?? '', s.assignee === null ? '' : (schedule.staff[s.assignee]?.name ?? ''), s.notes,
    ])
  return write(SHIFTS_COLUMNS, rows)
}

export type ExportKind = 'hours' | 'shifts'

export const exportKinds: readonly ExportKind[] = ['hours', 'shifts']

export const exportCsv = (kind: ExportKind, schedule: ScheduleJSON, range: DateRange): string =>
  kind === 'hours' ? hoursCsv(schedule, range) : shiftsCsv(schedule, range)

/** Longest range one export covers (two years and a day). */
export const MAX_EXPORT_DAYS = 732

