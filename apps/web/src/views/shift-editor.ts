import type { PathOp, ShiftJSON } from '@rota/model'
import { h } from '../dom.ts'
import type { EditorContext } from '../context.ts'
import { buildWeekGrid } from '../grid-model.ts'
import { newId } from '../store.ts'
import { isDate, isTime, startOfWeek } from '../week.ts'
import { field, formValue, openFormDialog } from './dialog.ts'

const FIELDS = ['date', 'start', 'end', 'role', 'requiredSkill', 'assignee', 'notes'] as const

/** The ops that turn `before` into `after`, one `set` per changed field so concurrent edits of other fields survive. */
export const shiftOps = (id: string, before: ShiftJSON | undefined, after: ShiftJSON): PathOp[] => {
  if (before === undefined) return [{ op: 'set', path: `shifts.${id}`, value: after }]
  return FIELDS.filter((key) => before[key] !== after[key]).map((key) => ({ op: 'set', path: `shifts.${id}.${key}`, value: after[key] }))
}

/** Opens the shift editor for an existing shift (`id`) or a new one with `defaults`. */
export const openShiftEditor = (ctx: EditorContext, id: string | null, defaults: Partial<ShiftJSON> = {}): void => {
  const schedule = ctx.store.schedule()
  const existing = id === null ? undefined : schedule.shifts[id]
  const shift: ShiftJSON = existing ?? {
    date: defaults.date ?? '',
    start: defaults.start ?? '09:00',
    end: defaults.end ?? '17:00',
    role: defaults.role ?? '',
    requiredSkill: null,
    assignee: defaults.assignee ?? null,
    notes: '',
  }
  const shiftId = id ?? newId('sh')
  const roles = [...new Set(Object.values(schedule.staff).map((s) => s.role).concat(schedule.settings.coverage.map((c) => c.role)))].filter(Boolean).sort()
  const skills = [...new Set(Object.values(schedule.staff).flatMap((s) => s.skills))].sort()

  // Hours and warnings for each candidate, for the week of the shift.
  const weekStart = isDate(shift.date) ? startOfWeek(shift.date, schedule.settings.weekStartsOn) : null
  const grid = weekStart === null ? null : buildWeekGrid(schedule, weekStart)
  const assigneeOption = (staffId: string): HTMLOptionElement => {
    const person = schedule.staff[staffId]!
    const row = grid?.rows.find((r) => r.staffId === staffId)
    const own = existing !== undefined && existing.assignee === staffId ? (grid?.rows.flatMap((r) => r.cells.flat()).find((c) => c.id === shiftId)?.hours ?? 0) : 0
    const notes = [`${(row?.hours ?? 0) - own}/${person.maxHoursPerWeek}h`]
    if (person.unavailable.includes(shift.date)) notes.push('unavailable')
    return h('option', { value: staffId, selected: shift.assignee === staffId }, `${person.name || staffId}${person.role ? ` (${person.role})` : ''} · ${notes.join(' · ')}`)
  }

  const body = [
    h('div', { class: 'row' },
      field('Date', h('input', { name: 'date', type: 'date', required: true, value: shift.date })),
      field('Start', h('input', { name: 'start', type: 'time', required: true, value: shift.start })),
      field('End', h('input', { name: 'end', type: 'time', required: true, value: shift.end }), 'Before the start = ends next day'),
    ),
    h('div', { class: 'row' },
      field('Role', h('input', { name: 'role', value: shift.role, list: 'roles', autocomplete: 'off' })),
      field('Required skill', h('input', { name: 'requiredSkill', value: shift.requiredSkill ?? '', list: 'skills', autocomplete: 'off' })),
    ),
    h('datalist', { id: 'roles' }, roles.map((r) => h('option', { value: r }))),
    h('datalist', { id: 'skills' }, skills.map((s) => h('option', { value: s }))),
    field('Assignee', h('select', { name: 'assignee' },
      h('option', { value: '', selected: shift.assignee === null }, '— Unfilled —'),
      Object.keys(schedule.staff).sort((a, b) => (schedule.staff[a]!.name).localeCompare(schedule.staff[b]!.name)).map(assigneeOption),
      shift.assignee !== null && schedule.staff[shift.assignee] === undefined
        ? h('option', { value: shift.assignee, selected: true }, `${shift.assignee} (removed)`) : null,
    )),
    field('Notes', h('textarea', { name: 'notes', rows: 2 }, shift.notes)),
  ]

  const deleteButton = existing === undefined ? null : h('button', {
    type: 'button',
    class: 'button danger',
    onclick: () => {
      ctx.store.apply([{ op: 'delete', path: `shifts.${shiftId}` }])
      ;(document.getElementById('dialog') as HTMLDialogElement).close()
    },
  }, 'Delete shift')

  ctx.setEditing({ kind: 'shift', id: shiftId })
  openFormDialog({
    title: existing === undefined ? 'New shift' : 'Edit shift',
    body,
    submitLabel: existing === undefined ? 'Add shift' : 'Save',
    extraButtons: deleteButton === null ? [] : [deleteButton],
    onClose: () => ctx.setEditing(null),
    onSubmit: (form) => {
      const next: ShiftJSON = {
        date: formValue(form, 'date'),
        start: formValue(form, 'start'),
        end: formValue(form, 'end'),
        role: formValue(form, 'role'),
        requiredSkill: formValue(form, 'requiredSkill') || null,
        assignee: formValue(form, 'assignee') || null,
        notes: formValue(form, 'notes'),
      }
      if (!isDate(next.date)) return 'Pick a date.'
      if (!isTime(next.start) || !isTime(next.end)) return 'Times are HH:MM.'
      // The shift may have been deleted by someone else while the dialog was open.
      if (existing !== undefined && ctx.store.schedule().shifts[shiftId] === undefined) return 'Someone deleted this shift meanwhile.'
      try {
        // Against the state the dialog opened with: only the fields this person changed are written.
        ctx.store.apply(shiftOps(shiftId, existing, next))
      } catch (err) {
        return (err as Error).message
      }
    },
  })
}
