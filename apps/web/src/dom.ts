/**
 * The one DOM helper the app needs: build elements declaratively. Attributes starting with
 * `on` become listeners, `class` may be a list with falsy entries, booleans toggle attributes.
 */
type Child = Node | string | number | null | undefined | false | Child[]
type Listener = (event: never) => void
type AttrValue = string | number | boolean | null | undefined | Listener | (string | false | null | undefined)[]

export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] => {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value as EventListener)
    } else if (name === 'class' && Array.isArray(value)) {
      el.className = value.filter(Boolean).join(' ')
    } else if (name === 'value' && (el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement)) {
      el.value = String(value)
    } else if (value === true) {
      el.setAttribute(name, '')
    } else {
      el.setAttribute(name, String(value))
    }
  }
  append(el, children)
  return el
}

const append = (el: Node, children: Child[]): void => {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(el, child)
    else el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** Replaces an element's children. */
export const replace = (el: Element, ...children: Child[]): void => {
  el.replaceChildren()
  append(el, children)
}

/** Runs `fn` at most once per animation frame, however often it is requested. */
export const frameThrottle = (fn: () => void): (() => void) => {
  let queued = false
  return () => {
    if (queued) return
    queued = true
    requestAnimationFrame(() => {
      queued = false
      fn()
    })
  }
}
