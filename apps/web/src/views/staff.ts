import type { PathOp, StaffJSON } from '@rota/model'
import { h } from '../dom.ts'
import type { EditorContext } from '../context.ts'
import { buildWeekGrid } from '../grid-model.ts'
import { editorsByRecord, initials } from '../presence.ts'
import { isDate } from '../week.ts'
import { currentWeek } from './week.ts'
import { field, formValue, openFormDialog } from './dialog.ts'

const list = (value: string): string[] => [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))]

/** Ops from one staff record to another; lists are replaced whole only when they differ. */
export const staffOps = (id: string, before: StaffJSON | undefined, after: StaffJSON): PathOp[] => {
  if (before === undefined) return [{ op: 'set', path: `staff.${id}`, value: after }]
  const ops: PathOp[] = []
  for (const key of ['name', 'role', 'maxHoursPerWeek'] as const) {
    if (before[key] !== after[key]) ops.push({ op: 'set', path: `staff.${id}.${key}`, value: after[key] })
  }
  for (const key of ['skills', 'unavailable'] as const) {
    if (before[key].join('\n') !== after[key].join('\n')) ops.push({ op: 'set', path: `staff.${id}.${key}`, value: after[key] })
  }
  return ops
}

/** A readable, unique id from a name: 'Ana María' → 'ana-maria', 'ana-maria-2', … */
export const staffIdFor = (name: string, taken: Iterable<string>): string => {
  const base = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'person'
  const used = new Set(taken)
  let id = base
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`
  return id
}

const openStaffEditor = (ctx: EditorContext, id: string | null): void => {
  const schedule = ctx.store.schedule()
  const existing = id === null ? undefined : schedule.staff[id]
  const person: StaffJSON = existing ?? { name: '', role: '', skills: [], maxHoursPerWeek: 40, unavailable: [] }
  if (id !== null) ctx.setEditing({ kind: 'staff', id })
  openFormDialog({
    title: existing === undefined ? 'Add person' : `Edit ${person.name}`,
    submitLabel: existing === undefined ? 'Add person' : 'Save',
    onClose: () => ctx.setEditing(null),
    body: [
      field('Name', h('input', { name: 'name', required: true, value: person.name, autocomplete: 'off' })),
      h('div', { class: 'row' },
        field('Role', h('input', { name: 'role', value: person.role, autocomplete: 'off' })),
        field('Max hours per week', h('input', { name: 'maxHoursPerWeek', type: 'number', min: 0, max: 168, step: 0.5, required: true, value: person.maxHoursPerWeek })),
      ),
      field('Skills', h('input', { name: 'skills', value: person.skills.join(', '), autocomplete: 'off' }), 'Comma-separated'),
      field('Days off', h('input', { name: 'unavailable', value: person.unavailable.join(', '), autocomplete: 'off' }), 'Dates as YYYY-MM-DD, comma-separated'),
    ],
    onSubmit: (form) => {
      const next: StaffJSON = {
        name: formValue(form, 'name'),
        role: formValue(form, 'role'),
        maxHoursPerWeek: Number(formValue(form, 'maxHoursPerWeek')),
        skills: list(formValue(form, 'skills')),
        unavailable: list(formValue(form, 'unavailable')).sort(),
      }
      if (next.name === '') return 'A name is needed.'
      if (!Number.isFinite(next.maxHoursPerWeek) || next.maxHoursPerWeek < 0) return 'Max hours must be a number ≥ 0.'
      const bad = next.unavailable.find((d) => !isDate(d))
      if (bad !== undefined) return `Not a date: ${bad}`
      const staffId = id ?? staffIdFor(next.name, Object.keys(ctx.store.schedule().staff))
      try {
        ctx.store.apply(staffOps(staffId, existing, next))
      } catch (err) {
        return (err as Error).message
      }
    },
  })
}

export const renderStaff = (ctx: EditorContext): HTMLElement => {
  const schedule = ctx.store.schedule()
  const week = currentWeek(ctx, schedule)
  const grid = buildWeekGrid(schedule, week)
  const editing = editorsByRecord(ctx.peers())
  const ids = Object.keys(schedule.staff).sort((a, b) => schedule.staff[a]!.name.localeCompare(schedule.staff[b]!.name))
  const remove = (id: string): void => {
    const name = schedule.staff[id]!.name
    const assigned = Object.entries(schedule.shifts).filter(([, s]) => s.assignee === id)
    if (!confirm(`Remove ${name}?${assigned.length ? ` Their ${assigned.length} shift(s) become unfilled.` : ''}`)) return
    ctx.store.apply([
      ...assigned.map(([shiftId]) => ({ op: 'set' as const, path: `shifts.${shiftId}.assignee`, value: null })),
      { op: 'delete', path: `staff.${id}` },
    ])
  }
  return h(
    'section',
    { class: 'view staff', 'aria-labelledby': 'staff-title' },
    h('div', { class: 'toolbar' },
      h('h2', { id: 'staff-title' }, 'Staff'),
      h('span', { class: 'muted' }, `${ids.length} people · hours for the week of ${week}`),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'button primary', onclick: () => openStaffEditor(ctx, null) }, '+ Person'),
    ),
    ids.length === 0
      ? h('p', { class: 'empty' }, 'No one yet. Add the first person.')
      : h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, ['Name', 'Role', 'Skills', 'Hours', 'Days off', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ids.map((id) => {
          const p = schedule.staff[id]!
          const row = grid.rows.find((r) => r.staffId === id)!
          const editor = editing.get(id)?.[0]
          return h('tr', { 'data-staff': id },
            h('th', { scope: 'row' }, p.name, editor ? h('span', { class: 'peer-tag inline', style: `--peer: ${editor.user.color}`, title: `${editor.user.name} is editing` }, initials(editor.user.name)) : null),
            h('td', {}, p.role),
            h('td', {}, p.skills.map((s) => h('span', { class: 'tag' }, s))),
            h('td', { class: row.over ? 'bad' : undefined }, `${row.hours}/${p.maxHoursPerWeek}h`),
            h('td', {}, p.unavailable.join(', ')),
            h('td', { class: 'actions' },
              h('button', { type: 'button', class: 'button small', onclick: () => openStaffEditor(ctx, id), 'aria-label': `Edit ${p.name}` }, 'Edit'),
              h('button', { type: 'button', class: 'button small danger', onclick: () => remove(id), 'aria-label': `Remove ${p.name}` }, 'Remove'),
            ),
          )
        })),
      ),
  )
}
