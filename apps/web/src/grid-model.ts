/**
 * The week grid as plain data: rows of staff (plus one row of open shifts) by seven days,
 * each shift flagged with what is wrong with it, people's hours against their maximum, and
 * coverage gaps per day. Pure, so it is unit-tested without a browser.
 */
import {
  breachShifts, coverageOf, describeBreach, overlapsOf, shiftMinutes, weeklyHours, workRuleBreaches, type ScheduleJSON, type ShiftJSON, type WorkBreach,
} from '@rota/model'
import { daysOfWeek } from './week.ts'

export type ShiftProblem =
  | 'unfilled' | 'missing_assignee' | 'unavailable' | 'skill' | 'role' | 'overlap' | 'over_hours'
  // The team's working-time rules (settings.workRules).
  | 'short_rest' | 'too_many_days' | 'too_long' | 'long_day'

export interface ShiftCard extends ShiftJSON {
  id: string
  hours: number
  problems: ShiftProblem[]
  /** Each problem in words (a working-time rule once per breach, with its figures): the tooltip and the accessible name. */
  details: string[]
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

interface CoverageGap {
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
  /** `breaches`: working-time rules broken by this week's shifts. */
  totals: { shifts: number; unfilled: number; gaps: number; overHours: number; breaches: number }
}

const BREACH_PROBLEM: Record<WorkBreach['rule'], ShiftProblem> = {
  minRestHours: 'short_rest', maxConsecutiveDays: 'too_many_days', maxShiftHours: 'too_long', maxDayHours: 'long_day',
}

const byTime = (a: ShiftCard, b: ShiftCard): number => a.start.localeCompare(b.start) || a.end.localeCompare(b.end) || a.id.localeCompare(b.id)

/**
 * Hours, overlaps and coverage come from @rota/model's queries, the same the server's
 * conflict rules use, so the grid and the conflicts inbox never disagree.
 */
export const buildWeekGrid = (schedule: ScheduleJSON, weekStart: string): WeekGrid => {
  const days = daysOfWeek(weekStart)
  const staffIds = Object.keys(schedule.staff).sort((a, b) =>
    (schedule.staff[a]!.name || a).localeCompare(schedule.staff[b]!.name || b) || a.localeCompare(b))

  const cards: ShiftCard[] = Object.entries(schedule.shifts)
    .filter(([, shift]) => days.includes(shift.date))
    .map(([id, shift]) => ({ ...shift, id, hours: shiftMinutes(shift) / 60, problems: [] as ShiftProblem[], details: [] as string[] }))
    .sort(byTime)

  const hours = weeklyHours(schedule)
  const hoursOf = (staffId: string): number => hours[staffId]?.[weekStart] ?? 0
  const overlapping = new Set<string>()
  for (const card of cards) {
    const person = card.assignee === null ? undefined : schedule.staff[card.assignee]
    if (card.assignee === null) card.problems.push('unfilled')
    else if (person === undefined) card.problems.push('missing_assignee')
    else {
      if (person.unavailable.includes(card.date)) card.problems.push('unavailable')
      if (card.requiredSkill !== null && !person.skills.includes(card.requiredSkill)) card.problems.push('skill')
      if (card.role !== '' && person.role !== '' && card.role !== person.role) card.problems.push('role')
    }
  }
  for (const staffId of staffIds) {
    for (const { first, second } of overlapsOf(schedule, staffId)) overlapping.add(first).add(second)
  }
  for (const card of cards) {
    if (overlapping.has(card.id)) card.problems.push('overlap')
    const person = card.assignee === null ? undefined : schedule.staff[card.assignee]
    if (person !== undefined && hoursOf(card.assignee!) > person.maxHoursPerWeek) card.problems.push('over_hours')
    card.details = card.problems.map(describeProblem)
  }
  // Working-time rules: @rota/model's workRuleBreaches, the definitions the resolver's conflicts use.
  const byId = new Map(cards.map((c) => [c.id, c]))
  const breached = new Set<WorkBreach>()
  for (const breach of workRuleBreaches(schedule)) {
    for (const id of breachShifts(breach)) {
      const card = byId.get(id)
      if (!card) continue
      breached.add(breach)
      if (!card.problems.includes(BREACH_PROBLEM[breach.rule])) card.problems.push(BREACH_PROBLEM[breach.rule])
      card.details.push(`${PROBLEM_TEXT[BREACH_PROBLEM[breach.rule]]}: ${describeBreach(breach)}`)
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
    const total = hoursOf(staffId)
    return {
      staffId,
      name: person.name || staffId,
      role: person.role,
      hours: total,
      maxHours: person.maxHoursPerWeek,
      over: total > person.maxHoursPerWeek,
      cells: cellsFor((c) => c.assignee === staffId),
    }
  })

  const coverage = coverageOf(schedule, { from: days[0]!, to: days[6]! })
  const gaps = days.map((day) => coverage
    .filter((c) => c.date === day && !c.ok)
    .map(({ rule, staffed }) => ({ role: rule.role, start: rule.start, end: rule.end, min: rule.min, have: staffed })))

  return {
    days,
    rows: [openRow, ...rows],
    gaps,
    totals: {
      shifts: cards.length,
      unfilled: openRow.cells.flat().length,
      gaps: gaps.flat().length,
      overHours: rows.filter((r) => r.over).length,
      breaches: breached.size,
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
  short_rest: 'Rest between shifts too short',
  too_many_days: 'Too many working days in a row',
  too_long: 'Shift too long',
  long_day: 'Too many hours in a day',
}

const describeProblem = (problem: ShiftProblem): string => PROBLEM_TEXT[problem]
