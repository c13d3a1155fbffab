import type { CoverageRule, PathOp } from '@rota/model'
import { h } from '../dom.ts'
import type { EditorContext } from '../context.ts'
import { isTime, WEEKDAYS } from '../week.ts'
import { field, formValue } from './dialog.ts'
import { workRulesFieldset, workRulesOfForm } from './work-rules.ts'

const ruleRow = (rule: CoverageRule | null): HTMLElement =>
  h('tr', { class: 'rule' },
    h('td', {}, h('input', { name: 'rule-role', 'aria-label': 'Role', value: rule?.role ?? '', placeholder: 'role' })),
    h('td', {}, h('input', { name: 'rule-start', 'aria-label': 'From', type: 'time', value: rule?.start ?? '09:00' })),
    h('td', {}, h('input', { name: 'rule-end', 'aria-label': 'To', type: 'time', value: rule?.end ?? '17:00' })),
    h('td', {}, h('input', { name: 'rule-min', 'aria-label': 'At least', type: 'number', min: 1, value: rule?.min ?? 1 })),
    h('td', {}, h('button', { type: 'button', class: 'button small', 'aria-label': 'Remove rule', onclick: (e: Event) => (e.currentTarget as HTMLElement).closest('tr')?.remove() }, '×')),
  )

export const renderSettings = (ctx: EditorContext): HTMLElement => {
  const { settings } = ctx.store.schedule()
  const rules = h('tbody', {}, settings.coverage.map(ruleRow))
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const form = h('form', {
    class: 'form settings-form',
    onsubmit: (event: SubmitEvent) => {
      event.preventDefault()
      const all = (name: string) => new FormData(form).getAll(name).map(String)
      const roles = all('rule-role'), starts = all('rule-start'), ends = all('rule-end'), mins = all('rule-min')
      const coverage: CoverageRule[] = roles.map((role, i) => ({ role: role.trim(), start: starts[i]!, end: ends[i]!, min: Number(mins[i]) }))
        .filter((r) => r.role !== '')
      if (coverage.some((r) => !isTime(r.start) || !isTime(r.end) || !Number.isInteger(r.min) || r.min < 1)) {
        error.textContent = 'Each rule needs a role, times as HH:MM and a whole number of at least 1.'
        error.hidden = false
        return
      }
      // Compared with the document as it is now, not as it was when the form was drawn (it may have changed since).
      const current = ctx.store.schedule().settings
      const next = { name: formValue(form, 'name'), timezone: formValue(form, 'timezone'), weekStartsOn: formValue(form, 'weekStartsOn') }
      const ops: PathOp[] = []
      for (const [key, value] of Object.entries(next)) {
        if (current[key as keyof typeof next] !== value) ops.push({ op: 'set', path: `settings.${key}`, value })
      }
      if (JSON.stringify(coverage) !== JSON.stringify(current.coverage)) ops.push({ op: 'set', path: 'settings.coverage', value: coverage })
      // Work rules are one value (set whole); none typed and none stored is no change.
      const workRules = workRulesOfForm(form)
      if (JSON.stringify(workRules) !== JSON.stringify(current.workRules ?? {})) ops.push({ op: 'set', path: 'settings.workRules', value: workRules })
      try {
        ctx.store.apply(ops)
        error.hidden = true
        ctx.toast('Settings saved')
      } catch (err) {
        error.textContent = (err as Error).message
        error.hidden = false
      }
    },
  },
  h('h2', {}, 'Schedule settings'),
  field('Name', h('input', { name: 'name', value: settings.name })),
  h('div', { class: 'row' },
    field('Time zone', h('input', { name: 'timezone', value: settings.timezone })),
    field('Weeks start on', h('select', { name: 'weekStartsOn' }, WEEKDAYS.map((d) => h('option', { value: d, selected: d === settings.weekStartsOn }, d[0]!.toUpperCase() + d.slice(1))))),
  ),
  h('fieldset', {}, h('legend', {}, 'Coverage: at least this many of a role, every day'),
    h('table', { class: 'list compact' }, h('thead', {}, h('tr', {}, ['Role', 'From', 'To', 'At least', ''].map((t) => h('th', { scope: 'col' }, t)))), rules),
    h('button', { type: 'button', class: 'button small', onclick: () => rules.append(ruleRow(null)) }, '+ Rule'),
  ),
  workRulesFieldset(settings.workRules),
  error,
  h('div', { class: 'dialog-buttons' }, h('button', { type: 'submit', class: 'button primary' }, 'Save settings')),
  )
  return h('section', { class: 'view settings' }, form)
}
