/**
 * The Settings form's working-time rules (settings.workRules): the team's four limits and per-role
 * overrides. A blank box is "no limit" for the team and "the team's limit" for a role; `none` in a role's
 * box waives the rule for that role. The model validates what is saved (its message is shown).
 */
import type { RoleWorkLimits, WorkLimit, WorkRules } from '@rota/model'
import { h } from '../dom.ts'
import { field } from './dialog.ts'

const LIMITS: ReadonlyArray<{ limit: WorkLimit; label: string; hint: string; step: string }> = [
  { limit: 'minRestHours', label: 'Minimum rest between shifts (hours)', hint: 'From the end of one shift to the start of the next', step: '0.25' },
  { limit: 'maxConsecutiveDays', label: 'Most working days in a row', hint: 'Days on which a shift starts', step: '1' },
  { limit: 'maxShiftHours', label: 'Longest shift (hours)', hint: 'Any shift, assigned or not', step: '0.25' },
  { limit: 'maxDayHours', label: 'Most hours in a day', hint: 'Shifts split at midnight', step: '0.25' },
]

const show = (v: number | null | undefined): string => (v === null ? 'none' : v === undefined ? '' : String(v))

/** A limit typed into a box: absent when blank, null for `none` (roles only), else the number typed. */
export const parseLimit = (text: string, allowNone: boolean): number | null | undefined => {
  const t = text.trim().toLowerCase()
  if (t === '') return undefined
  if (allowNone && t === 'none') return null
  return Number(t)
}

/** The rules the form's boxes describe (pure: the inputs as typed). Roles without a name or any value are left out. */
export const workRulesFrom = (team: Record<WorkLimit, string>, roles: Array<{ role: string; values: Record<WorkLimit, string> }>): WorkRules => {
  const out: WorkRules = {}
  for (const { limit } of LIMITS) {
    const v = parseLimit(team[limit], false)
    if (typeof v === 'number') out[limit] = v
  }
  const overrides: Record<string, RoleWorkLimits> = {}
  for (const { role, values } of roles) {
    const name = role.trim()
    const limits: RoleWorkLimits = {}
    for (const { limit } of LIMITS) {
      const v = parseLimit(values[limit], true)
      if (v !== undefined) limits[limit] = v
    }
    if (name !== '' && Object.keys(limits).length > 0) overrides[name] = limits
  }
  if (Object.keys(overrides).length > 0) out.roles = overrides
  return out
}

const roleRow = (role: string | null, limits: RoleWorkLimits): HTMLElement =>
  h('tr', { class: 'role-limits' },
    h('td', {}, h('input', { name: 'wr-role', 'aria-label': 'Role', value: role ?? '', placeholder: 'role' })),
    LIMITS.map(({ limit, label }) => h('td', {}, h('input', { name: `wr-role-${limit}`, 'aria-label': `${label} for this role`, value: show(limits[limit]), placeholder: "team's", size: 5 }))),
    h('td', {}, h('button', { type: 'button', class: 'button small', 'aria-label': 'Remove role override', onclick: (e: Event) => (e.currentTarget as HTMLElement).closest('tr')?.remove() }, '×')),
  )

/** The fieldset: four team limits and a table of role overrides. */
export const workRulesFieldset = (rules: WorkRules | undefined): HTMLElement => {
  const roles = h('tbody', {}, Object.entries(rules?.roles ?? {}).map(([role, limits]) => roleRow(role, limits)))
  return h('fieldset', { class: 'work-rules' }, h('legend', {}, 'Working-time rules (blank: no limit)'),
    h('div', { class: 'row' }, LIMITS.map(({ limit, label, hint, step }) =>
      field(label, h('input', { name: `wr-${limit}`, type: 'number', min: 0, step, value: show(rules?.[limit]) }), hint))),
    h('table', { class: 'list compact', 'aria-label': 'Role overrides' },
      h('thead', {}, h('tr', {}, ['Role', 'Rest', 'Days in a row', 'Shift', 'Day', ''].map((t) => h('th', { scope: 'col' }, t)))), roles),
    h('p', { class: 'hint' }, "A role's box replaces the team's limit; blank keeps the team's, none waives the rule for that role."),
    h('button', { type: 'button', class: 'button small', onclick: () => roles.append(roleRow(null, {})) }, '+ Role override'),
  )
}

/** The rules the settings form holds now. */
export const workRulesOfForm = (form: HTMLFormElement): WorkRules => {
  const data = new FormData(form)
  const all = (name: string): string[] => data.getAll(name).map(String)
  const team = Object.fromEntries(LIMITS.map(({ limit }) => [limit, String(data.get(`wr-${limit}`) ?? '')])) as Record<WorkLimit, string>
  const names = all('wr-role')
  const columns = Object.fromEntries(LIMITS.map(({ limit }) => [limit, all(`wr-role-${limit}`)])) as Record<WorkLimit, string[]>
  const roles = names.map((role, i) => ({ role, values: Object.fromEntries(LIMITS.map(({ limit }) => [limit, columns[limit][i] ?? ''])) as Record<WorkLimit, string> }))
  return workRulesFrom(team, roles)
}
