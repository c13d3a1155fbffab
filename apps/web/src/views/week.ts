import { h } from '../dom.ts'
import type { EditorContext } from '../context.ts'
import { buildWeekGrid, type GridRow, type ShiftCard, type ShiftProblem, type WeekGrid } from '../grid-model.ts'
import { editorsByRecord, initials, type Peer } from '../presence.ts'
import type { ScheduleJSON } from '@rota/model'
import { addWeeks, dayLabel, startOfWeek, today, weekLabel } from '../week.ts'
import { openShiftEditor } from './shift-editor.ts'

const DRAG_TYPE = 'application/x-rota-shift'

export const currentWeek = (ctx: EditorContext, schedule: ScheduleJSON): string =>
  ctx.route.week ?? startOfWeek(today(), schedule.settings.weekStartsOn)

/** Problems shown on the shift itself; hours are shown on the person's row. */
const isShiftProblem = (p: ShiftProblem): boolean => p !== 'unfilled' && p !== 'over_hours'

const chip = (ctx: EditorContext | null, card: ShiftCard, editors: Peer[]): HTMLElement => {
  // Each problem in words (working-time rules with their figures), for the tooltip and the accessible name.
  const problems = card.details
  const label = `${card.start}–${card.end}${card.role ? ` ${card.role}` : ''}${card.requiredSkill ? ` (${card.requiredSkill})` : ''}`
  const editor = editors[0]
  return h(
    ctx === null ? 'div' : 'button',
    {
      type: ctx === null ? undefined : 'button',
      class: ['shift', card.problems.includes('unfilled') && 'unfilled', card.problems.some(isShiftProblem) && 'problem', editor && 'being-edited'],
      style: editor ? `--peer: ${editor.user.color}` : undefined,
      'data-shift': card.id,
      draggable: ctx === null ? undefined : 'true',
      title: [label, card.notes, ...problems, ...editors.map((p) => `${p.user.name} is editing`)].filter(Boolean).join('\n'),
      'aria-label': `Shift ${label}${problems.length ? `; ${problems.join('; ')}` : ''}${editor ? `; ${editor.user.name} is editing` : ''}`,
      onclick: ctx === null ? undefined : () => openShiftEditor(ctx, card.id),
      ondragstart: ctx === null ? undefined : (event: DragEvent) => {
        event.dataTransfer?.setData(DRAG_TYPE, card.id)
        event.dataTransfer?.setData('text/plain', card.id)
        if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move'
      },
    },
    h('span', { class: 'shift-time' }, `${card.start}–${card.end}`),
    card.role ? h('span', { class: 'shift-role' }, card.role) : null,
    card.problems.some(isShiftProblem) ? h('span', { class: 'shift-flag', 'aria-hidden': 'true' }, '!') : null,
    editor ? h('span', { class: 'peer-tag', 'aria-hidden': 'true' }, initials(editor.user.name)) : null,
  )
}

const rowHeader = (row: GridRow): HTMLElement => {
  if (row.staffId === null) return h('th', { scope: 'row', class: 'row-head open-row' }, h('span', { class: 'name' }, 'Open shifts'))
  const ratio = row.maxHours ? Math.min(row.hours / row.maxHours, 1.25) : 0
  return h(
    'th',
    { scope: 'row', class: ['row-head', row.over && 'over'] },
    h('span', { class: 'name' }, row.name),
    h('span', { class: 'role' }, row.role),
    h('span', { class: 'hours', title: row.over ? 'Over weekly hours' : 'Hours this week' },
      h('span', { class: 'bar' }, h('span', { style: `width: ${Math.round(ratio * 80)}%` })),
      `${row.hours}/${row.maxHours}h`),
  )
}

/** The grid table; `ctx` null renders it read-only (history preview). */
export const weekTable = (ctx: EditorContext | null, grid: WeekGrid): HTMLElement => {
  const editing = editorsByRecord(ctx?.peers() ?? [])
  const todayDate = today()
  const cell = (row: GridRow, dayIndex: number): HTMLElement => {
    const date = grid.days[dayIndex]!
    const cards = row.cells[dayIndex]!
    return h(
      'td',
      {
        class: ['cell', date === todayDate && 'today'],
        'data-date': date,
        'data-staff': row.staffId ?? '',
        ondragover: ctx === null ? undefined : (event: DragEvent) => {
          if (!event.dataTransfer?.types.includes(DRAG_TYPE)) return
          event.preventDefault()
          ;(event.currentTarget as HTMLElement).classList.add('drop')
        },
        ondragleave: (event: DragEvent) => (event.currentTarget as HTMLElement).classList.remove('drop'),
        ondrop: ctx === null ? undefined : (event: DragEvent) => {
          event.preventDefault()
          ;(event.currentTarget as HTMLElement).classList.remove('drop')
          const id = event.dataTransfer?.getData(DRAG_TYPE)
          const shift = id ? ctx.store.schedule().shifts[id] : undefined
          if (!id || !shift) return
          const ops = []
          if (shift.assignee !== row.staffId) ops.push({ op: 'set' as const, path: `shifts.${id}.assignee`, value: row.staffId })
          if (shift.date !== date) ops.push({ op: 'set' as const, path: `shifts.${id}.date`, value: date })
          ctx.store.apply(ops)
        },
      },
      cards.map((card) => chip(ctx, card, editing.get(card.id) ?? [])),
      ctx === null ? null : h('button', {
        type: 'button',
        class: 'add',
        'aria-label': `Add shift on ${dayLabel(date)}${row.staffId ? ` for ${row.name}` : ''}`,
        onclick: () => openShiftEditor(ctx, null, { date, assignee: row.staffId, role: row.role }),
      }, '+'),
    )
  }
  return h(
    'table',
    { class: 'grid', 'aria-label': 'Week schedule' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', class: 'corner' }, 'Staff'),
      grid.days.map((day, i) => h('th', { scope: 'col', class: ['day', day === todayDate && 'today', grid.gaps[i]!.length > 0 && 'gap'] }, dayLabel(day))),
    )),
    h('tbody', {}, grid.rows.map((row) => h('tr', { class: row.staffId === null ? 'open' : undefined }, rowHeader(row), grid.days.map((_, i) => cell(row, i))))),
    h('tfoot', {}, h('tr', {},
      h('th', { scope: 'row', class: 'row-head' }, h('span', { class: 'name' }, 'Coverage')),
      grid.gaps.map((gaps) => h('td', { class: ['coverage', gaps.length > 0 ? 'gap' : 'ok'] },
        gaps.length === 0 ? h('span', { class: 'ok-mark' }, '✓ covered') :
          gaps.map((g) => h('div', { class: 'gap-item', title: `Needs ${g.min} ${g.role} ${g.start}–${g.end}` }, `${g.role} ${g.start}–${g.end}: ${g.have}/${g.min}`)))),
    )),
  )
}

export const summary = (grid: WeekGrid): HTMLElement =>
  h('ul', { class: 'summary', 'aria-label': 'This week at a glance' },
    h('li', {}, h('strong', {}, String(grid.totals.shifts)), ' shifts'),
    h('li', { class: grid.totals.unfilled ? 'warn' : undefined, 'data-metric': 'unfilled' }, h('strong', {}, String(grid.totals.unfilled)), ' unfilled'),
    h('li', { class: grid.totals.gaps ? 'warn' : undefined, 'data-metric': 'gaps' }, h('strong', {}, String(grid.totals.gaps)), ' coverage gaps'),
    h('li', { class: grid.totals.overHours ? 'bad' : undefined, 'data-metric': 'over' }, h('strong', {}, String(grid.totals.overHours)), ' over hours'),
    grid.totals.breaches ? h('li', { class: 'bad', 'data-metric': 'work-rules' }, h('strong', {}, String(grid.totals.breaches)), ' working-time rules broken') : null,
  )

export const renderWeek = (ctx: EditorContext): HTMLElement => {
  const schedule = ctx.store.schedule()
  const week = currentWeek(ctx, schedule)
  const grid = buildWeekGrid(schedule, week)
  return h(
    'section',
    { class: 'view week', 'aria-labelledby': 'week-label' },
    h('div', { class: 'toolbar' },
      h('div', { class: 'week-nav', role: 'group', 'aria-label': 'Week' },
        h('button', { type: 'button', class: 'button icon', 'aria-label': 'Previous week', onclick: () => ctx.navigate({ week: addWeeks(week, -1) }) }, '‹'),
        h('button', { type: 'button', class: 'button', onclick: () => ctx.navigate({ week: null }) }, 'This week'),
        h('button', { type: 'button', class: 'button icon', 'aria-label': 'Next week', onclick: () => ctx.navigate({ week: addWeeks(week, 1) }) }, '›'),
      ),
      h('h2', { id: 'week-label', class: 'week-label' }, weekLabel(week)),
      summary(grid),
      h('button', { type: 'button', class: 'button primary', onclick: () => openShiftEditor(ctx, null, { date: week }) }, '+ Shift'),
    ),
    h('div', { class: 'grid-wrap' }, weekTable(ctx, grid)),
    Object.keys(schedule.staff).length === 0 && Object.keys(schedule.shifts).length === 0
      ? h('p', { class: 'empty' }, 'This schedule is empty. Add people under Staff, or ', h('button', { type: 'button', class: 'link', onclick: () => ctx.navigate({ view: 'staff' }) }, 'start with the team'), '.')
      : null,
  )
}
