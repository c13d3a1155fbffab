import { h } from '../dom.ts'
import type { Api, DocSummary } from '../api.ts'
import { field, formValue } from './dialog.ts'

const RECENT_KEY = 'rota.recent'

const recentDocs = (): string[] => {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]')
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

export const rememberDoc = (name: string): void => {
  localStorage.setItem(RECENT_KEY, JSON.stringify([name, ...recentDocs().filter((d) => d !== name)].slice(0, 8)))
}

/** Document names are what the server accepts: letters, digits, `-_.` and `/` between parts. */
export const isDocName = (name: string): boolean => /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/.test(name) && name.length <= 200

export const renderPicker = (api: Api, open: (name: string) => void): HTMLElement => {
  const list = h('ul', { class: 'doc-list', 'aria-live': 'polite' }, h('li', { class: 'muted' }, 'Loading…'))
  const show = (docs: DocSummary[]): void => {
    const names = [...new Set([...docs.map((d) => d.doc), ...recentDocs()])].sort()
    list.replaceChildren(...(names.length === 0
      ? [h('li', { class: 'muted' }, 'No schedules yet.')]
      : names.map((name) => h('li', {}, h('a', { href: `#doc=${encodeURIComponent(name)}` }, name)))))
  }
  api.listDocs().then(show, () => show([]))
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const form = h('form', {
    class: 'form create',
    onsubmit: (event: SubmitEvent) => {
      event.preventDefault()
      const name = formValue(form, 'doc')
      if (!isDocName(name)) {
        error.textContent = 'Use letters, digits, - _ . and / between parts, e.g. ward-3/2026.'
        error.hidden = false
        return
      }
      open(name)
    },
  },
  h('h2', {}, 'New schedule'),
  field('Schedule id', h('input', { name: 'doc', required: true, placeholder: 'ward-3/2026', autocomplete: 'off' }), 'Becomes part of the address; teams use a prefix like acme/…'),
  error,
  h('div', { class: 'dialog-buttons' }, h('button', { type: 'submit', class: 'button primary' }, 'Create and open')))
  return h('section', { class: 'view picker' },
    h('div', { class: 'card' }, h('h2', {}, 'Schedules'), list),
    h('div', { class: 'card' }, form))
}

export const renderSignIn = (message: string, signIn: (token: string) => void): HTMLElement => {
  const form = h('form', {
    class: 'form',
    onsubmit: (event: SubmitEvent) => {
      event.preventDefault()
      const token = formValue(form, 'token')
      if (token) signIn(token)
    },
  },
  h('h2', {}, 'Sign in'),
  h('p', {}, message),
  field('Access token', h('textarea', { name: 'token', rows: 4, required: true, spellcheck: 'false', autocomplete: 'off' }), 'Ask your administrator for one; it stays on this device until you sign out.'),
  h('div', { class: 'dialog-buttons' }, h('button', { type: 'submit', class: 'button primary' }, 'Sign in')))
  return h('section', { class: 'view picker' }, h('div', { class: 'card' }, form))
}
