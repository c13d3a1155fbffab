import { h, replace } from '../dom.ts'

const dialog = (): HTMLDialogElement => document.getElementById('dialog') as HTMLDialogElement

/**
 * Opens the app's one modal dialog with a form. `onSubmit` returns an error message to keep
 * the dialog open, or nothing to close it. `onClose` runs however it closes.
 */
export const openFormDialog = (options: {
  title: string
  body: HTMLElement[]
  submitLabel: string
  onSubmit: (form: HTMLFormElement) => string | void
  extraButtons?: HTMLElement[]
  onClose?: () => void
}): HTMLFormElement => {
  const el = dialog()
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const form = h(
    'form',
    {
      method: 'dialog',
      class: 'form',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault()
        const message = options.onSubmit(form)
        if (typeof message === 'string') {
          error.textContent = message
          error.hidden = false
        } else {
          el.close()
        }
      },
    },
    h('h2', { id: 'dialog-title' }, options.title),
    ...options.body,
    error,
    h(
      'div',
      { class: 'dialog-buttons' },
      ...(options.extraButtons ?? []),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'button', onclick: () => el.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'button primary' }, options.submitLabel),
    ),
  )
  replace(el, form)
  el.onclose = () => options.onClose?.()
  el.showModal()
  form.querySelector<HTMLElement>('input, select, textarea')?.focus()
  return form
}

let fieldCount = 0

/** A labelled field: the label names the control exactly, the hint describes it. */
export const field = (label: string, control: HTMLElement, hint?: string): HTMLElement => {
  const id = control.id || `f${++fieldCount}`
  control.id = id
  const hintEl = hint ? h('small', { id: `${id}-hint` }, hint) : null
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id)
  return h('div', { class: 'field' }, h('label', { class: 'field-label', for: id }, label), control, hintEl)
}

export const formValue = (form: HTMLFormElement, name: string): string => {
  const value = new FormData(form).get(name)
  return typeof value === 'string' ? value.trim() : ''
}
