/**
 * The week grid as plain data: rows of staff (plus one row of open shifts) by seven days,
 * each shift flagged with what is wrong with it, people's hours against their maximum, and
 * coverage gaps per day. Pure, so it is unit-tested without a browser.
 */
import type { ScheduleJSON, ShiftJSON, StaffJSON } from '@rota/model'
import { daysOfWeek, shiftHours } from './week.ts'

export type ShiftProblem = 'unfilled' | 'missing_assignee' | 'unavailable' | 'skill' | 'role' | 'overlap' | 'over_hours'

export interface ShiftCard extends ShiftJSON {
  id: string
  hours: number
  problems: ShiftProblem[]
}

export interface GridRow {
  /** null for the open-shifts row. */
  staffId: string | null
  name: string
  role: string
  hours: number
  maxHours: number | null
  over: boolean
  cells: ShiftCard[][]
}

export interface CoverageGap {
  role: string
  start: string
  end: string
  min: number
  have: number
}

export interface WeekGrid {
  days: string[]
  rows: GridRow[]
  gaps: CoverageGap[][]
  totals: { shifts: number; unfilled: number; gaps: number; overHours: number }
}

const byTime = (a: ShiftCard, b: ShiftCard): number => a.start.localeCompare(b.start) || a.end.localeCompare(b.end) || a.id.localeCompare(b.id)

/** Minutes since the week's first midnight, as [from, to). */
const interval = (shift: ShiftJSON, days: string[]): [number, number] => {
  const [h, m] = shift.start.split(':').map(Number) as [number, number]
  const from = days.indexOf(shift.date) * 1440 + h * 60 + m
  return [from, from + shiftHours(shift.start, shift.end) * 60]
}

const minutes = (time: string): number => {
  const [h, m] = time.split(':').map(Number) as [number, number]
  return h * 60 + m
}

/** How many assigned shifts of `role` on `date` cover the whole window of a coverage rule. */
const staffed = (shifts: ShiftCard[], role: string, start: string, end: string): number => {
  const from = minutes(start)
  const to = minutes(end) <= from ? minutes(end) + 1440 : minutes(end)
  return shifts.filter((s) => {
    if (s.role !== role || s.assignee === null || s.problems.includes('missing_assignee')) return false
    const sFrom = minutes(s.start)
    return sFrom <= from && sFrom + s.hours * 60 >= to
  }).length
}

export const buildWeekGrid = (schedule: ScheduleJSON, weekStart: string): WeekGrid => {
  const days = daysOfWeek(weekStart)
  const staffIds = Object.keys(schedule.staff).sort((a, b) =>
    (schedule.staff[a]!.name || a).localeCompare(schedule.staff[b]!.name || b) || a.localeCompare(b))

  const cards: ShiftCard[] = Object.entries(schedule.shifts)
    .filter(([, shift]) => days.includes(shift.date))
    .map(([id, shift]) => ({ ...shift, id, hours: shiftHours(shift.start, shift.end), problems: [] as ShiftProblem[] }))
    .sort(byTime)

  const hoursOf = new Map<string, number>()
  for (const card of cards) {
    const person: StaffJSON | undefined = card.assignee === null ? undefined : schedule.staff[card.assignee]
    if (card.assignee === null) card.problems.push('unfilled')
    else if (person === undefined) card.problems.push('missing_assignee')
    else {
      hoursOf.set(card.assignee, (hoursOf.get(card.assignee) ?? 0) + card.hours)
      if (person.unavailable.includes(card.date)) card.problems.push('unavailable')
      if (card.requiredSkill !== null && !person.skills.includes(card.requiredSkill)) card.problems.push('skill')
      if (card.role !== '' && person.role !== '' && card.role !== person.role) card.problems.push('role')
    }
  }

  // Overlaps between one person's shifts (back-to-back is fine).
  const byPerson = new Map<string, ShiftCard[]>()
  for (const card of cards) {
    if (card.assignee === null || card.problems.includes('missing_assignee')) continue
    byPerson.set(card.assignee, [...(byPerson.get(card.assignee) ?? []), card])
  }
  for (const [staffId, list] of byPerson) {
    const person = schedule.staff[staffId]!
    const over = (hoursOf.get(staffId) ?? 0) > person.maxHoursPerWeek
    for (const [i, a] of list.entries()) {
      if (over) a.problems.push('over_hours')
      const [aFrom, aTo] = interval(a, days)
      for (const b of list.slice(i + 1)) {
        const [bFrom, bTo] = interval(b, days)
        if (aFrom < bTo && bFrom < aTo) {
          if (!a.problems.includes('overlap')) a.problems.push('overlap')
          if (!b.problems.includes('overlap')) b.problems.push('overlap')
        }
      }
    }
  }

  const cellsFor = (pick: (card: ShiftCard) => boolean): ShiftCard[][] => days.map((day) => cards.filter((c) => c.date === day && pick(c)))
  const openRow: GridRow = {
    staffId: null,
    name: 'Open shifts',
    role: '',
    hours: 0,
    maxHours: null,
    over: false,
    cells: cellsFor((c) => c.problems.includes('unfilled') || c.problems.includes('missing_assignee')),
  }
  const rows: GridRow[] = staffIds.map((staffId) => {
    const person = schedule.staff[staffId]!
    const hours = hoursOf.get(staffId) ?? 0
    return {
      staffId,
      name: person.name || staffId,
      role: person.role,
      hours,
      maxHours: person.maxHoursPerWeek,
      over: hours > person.maxHoursPerWeek,
      cells: cellsFor((c) => c.assignee === staffId),
    }
  })

  const gaps = days.map((day) => {
    const dayCards = cards.filter((c) => c.date === day)
    return schedule.settings.coverage
      .map((rule) => ({ ...rule, have: staffed(dayCards, rule.role, rule.start, rule.end) }))
      .filter((gap) => gap.have < gap.min)
  })

  return {
    days,
    rows: [openRow, ...rows],
    gaps,
    totals: {
      shifts: cards.length,
      unfilled: openRow.cells.flat().length,
      gaps: gaps.flat().length,
      overHours: rows.filter((r) => r.over).length,
    },
  }
}

const PROBLEM_TEXT: Record<ShiftProblem, string> = {
  unfilled: 'Unfilled',
  missing_assignee: 'Assigned to someone who no longer exists',
  unavailable: 'Assignee is unavailable that day',
  skill: 'Assignee lacks the required skill',
  role: 'Assignee has a different role',
  overlap: 'Overlaps another shift of the same person',
  over_hours: 'Assignee is over their weekly hours',
}

export const describeProblem = (problem: ShiftProblem): string => PROBLEM_TEXT[problem]
