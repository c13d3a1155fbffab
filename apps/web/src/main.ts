/**
 * The app shell: reads the route, opens the document, and renders the header (title,
 * presence, status), the tabs and the current view. Views are functions of the schedule
 * snapshot; the shell re-renders them at most once per frame after any change.
 */
import './styles.css'
import { Api, ApiError } from './api.ts'
import { connect, type Connection } from './connection.ts'
import type { EditorContext } from './context.ts'
import { frameThrottle, h, replace } from './dom.ts'
import { colorFor, guestName, initials, peersOf, type Peer, type PresenceState } from './presence.ts'
import { formatRoute, parseRoute, type Route, type ViewName } from './route.ts'
import { sampleOps } from './sample.ts'
import { deniedMessages, statusView } from './status.ts'
import { createStore, type Store } from './store.ts'
import { createConflictsCache, loadConflicts, renderConflicts, type ConflictsCache } from './views/conflicts.ts'
import { field, formValue, openFormDialog } from './views/dialog.ts'
import { createHistoryCache, loadHistory, loadPreview, renderHistory, type HistoryCache } from './views/history.ts'
import { isDocName, rememberDoc, renderPicker, renderSignIn } from './views/picker.ts'
import { createMineCache, loadMine, probeMine, renderMine, type MineCache } from './views/mine.ts'
import { createPublishCache, loadPublish, renderPublish, type PublishCache } from './views/publish.ts'
import { unreadBadge } from './publish-model.ts'
import { renderSettings } from './views/settings.ts'
import { renderStaff } from './views/staff.ts'
import { currentWeek, renderWeek } from './views/week.ts'

const TOKEN_KEY = 'rota.token'
const NAME_KEY = 'rota.name'

const $ = (id: string): HTMLElement => document.getElementById(id)!

interface Session {
  docName: string
  conn: Connection
  store: Store
  conflicts: ConflictsCache
  history: HistoryCache
  publish: PublishCache
  mine: MineCache
  openConflicts: number | null
  ctx: EditorContext
  dispose: (() => void)[]
}

let route: Route = parseRoute(location.hash)
let session: Session | null = null
let userName = localStorage.getItem(NAME_KEY) ?? guestName()
localStorage.setItem(NAME_KEY, userName)
const api = new Api(location.origin, localStorage.getItem(TOKEN_KEY))
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`

const toast = (message: string): void => {
  const el = $('toast')
  el.textContent = message
  el.hidden = false
  clearTimeout(Number(el.dataset.timer))
  el.dataset.timer = String(setTimeout(() => (el.hidden = true), 3500))
}

const navigate = (patch: Partial<Route>): void => {
  const next = { ...route, ...patch }
  if (patch.view !== undefined && patch.view !== route.view && patch.at === undefined) next.at = null
  location.hash = formatRoute(next)
}

const signIn = (token: string | null): void => {
  if (token === null) localStorage.removeItem(TOKEN_KEY)
  else localStorage.setItem(TOKEN_KEY, token)
  api.setToken(token)
  closeSession()
  onRoute()
}

/** Forgets the token and goes to the start page, which asks for a new one when the server needs it. */
const signOut = (): void => {
  localStorage.removeItem(TOKEN_KEY)
  api.setToken(null)
  if (route.doc !== null) navigate({ doc: null }) // the route change closes the document
  else onRoute()
}

const needsSignIn = (err: unknown): boolean => err instanceof ApiError && (err.status === 401 || err.status === 403)

// ---------------------------------------------------------------- header

const renderPresence = (peers: Peer[]): void => {
  replace($('presence'),
    peers.map((peer) => h('span', {
      class: 'avatar',
      style: `--peer: ${peer.user.color}`,
      title: `${peer.user.name}${peer.editing ? ` · editing a ${peer.editing.kind}` : ` · on ${peer.view}`}`,
      'data-peer': peer.user.name,
    }, initials(peer.user.name), peer.editing ? h('span', { class: 'editing-dot', 'aria-hidden': 'true' }) : null)),
    peers.length > 0 ? h('span', { class: 'sr-only' }, `Also here: ${peers.map((p) => p.user.name).join(', ')}`) : null,
  )
}

const renderStatus = (): void => {
  const el = $('status')
  el.hidden = session === null
  if (session === null) return
  const view = statusView(session.conn.status())
  el.className = `status ${view.tone}`
  el.title = view.detail
  el.dataset.state = session.conn.status().state
  el.dataset.saved = String(session.conn.status().saved)
  replace(el, h('span', { class: 'dot', 'aria-hidden': 'true' }), view.label)
}

const renderMe = (): void => {
  const me = $('me')
  replace(me, h('span', { class: 'avatar', style: `--peer: ${colorFor(userName)}`, 'aria-hidden': 'true' }, initials(userName)), h('span', { class: 'me-name' }, userName))
  me.onclick = () => {
    openFormDialog({
      title: 'Your name',
      body: [
        field('Shown to others editing with you', h('input', { name: 'name', required: true, value: userName, maxlength: 40 })),
        api.hasToken() ? h('button', { type: 'button', class: 'button small', onclick: () => { (document.getElementById('dialog') as HTMLDialogElement).close(); signOut() } }, 'Sign out') : null,
      ].filter((x): x is HTMLElement => x !== null),
      submitLabel: 'Save',
      onSubmit: (form) => {
        userName = formValue(form, 'name') || userName
        localStorage.setItem(NAME_KEY, userName)
        session?.conn.awareness.setLocalStateField('user', { name: userName, color: colorFor(userName) })
        renderMe()
      },
    })
  }
}

const TABS: [ViewName, string][] = [['week', 'Week'], ['staff', 'Staff'], ['settings', 'Settings'], ['conflicts', 'Conflicts'], ['history', 'History'], ['publish', 'Publish'], ['mine', 'My shifts']]

const renderTabs = (): void => {
  const nav = $('tabs')
  if (session === null) {
    nav.hidden = true
    return
  }
  nav.hidden = false
  const open = session.openConflicts
  // Publish and My shifts appear once the server said this token may publish / names a person.
  const tabs = TABS.filter(([view]) => (view !== 'publish' || session!.publish.allowed === true) && (view !== 'mine' || session!.mine.staff === true))
  const badge = unreadBadge(session.mine.unread)
  replace(nav, tabs.map(([view, label]) => h('a', {
    href: formatRoute({ ...route, view, at: null }),
    class: ['tab', route.view === view && 'active'],
    'aria-current': route.view === view ? 'page' : undefined,
    'data-view': view,
  }, label, view === 'conflicts' && open ? h('span', { class: 'count', 'aria-label': `${open} open` }, String(open)) : null,
  // The count is read as words by screen readers ("3 unread"), the badge itself is decoration.
  view === 'mine' && badge ? h('span', { class: 'count', 'data-unread': badge.text, 'aria-hidden': 'true' }, badge.text) : null,
  view === 'mine' && badge ? h('span', { class: 'sr-only' }, ` (${badge.label})`) : null)))
}

// ---------------------------------------------------------------- main view

let lastMainKey = ''

const renderMain = (): void => {
  const main = $('main')
  if (session === null) return
  const { ctx } = session
  const schedule = session.store.schedule()
  $('title').textContent = schedule.settings.name || session.docName
  document.title = `${schedule.settings.name || session.docName} · Rota`
  // The settings form keeps what the user typed: it renders again only when the route changes.
  const key = formatRoute(route)
  if (route.view === 'settings' && key === lastMainKey && main.firstElementChild !== null) return
  // The publish form likewise keeps what is being typed while someone else edits.
  if (route.view === 'publish' && key === lastMainKey && document.activeElement?.closest('#main form input') != null) return
  lastMainKey = key
  let view: HTMLElement
  switch (route.view) {
    case 'week': {
      view = renderWeek(ctx)
      if (Object.keys(schedule.staff).length === 0 && Object.keys(schedule.shifts).length === 0) {
        view.append(h('p', { class: 'empty' }, h('button', {
          type: 'button', class: 'button', onclick: () => ctx.store.apply(sampleOps(currentWeek(ctx, schedule))),
        }, 'Add a sample team'), ' to see how a week looks.'))
      }
      break
    }
    case 'staff': view = renderStaff(ctx); break
    case 'settings': view = renderSettings(ctx); break
    case 'conflicts': view = renderConflicts(ctx, session.conflicts); break
    case 'history': view = renderHistory(ctx, session.history); break
    case 'publish': view = renderPublish(ctx, session.publish); break
    case 'mine': view = renderMine(ctx, session.mine); break
  }
  // Keep focus on the same control across a re-render, so keyboard users are not thrown out.
  const focused = document.activeElement instanceof HTMLElement && main.contains(document.activeElement) ? focusKey(document.activeElement) : null
  if (session.conn.status().state === 'auth-failed') {
    view.prepend(h('div', { class: 'banner bad', role: 'alert' },
      'The server refused your access token. Your edits are kept on this device. ',
      h('button', { type: 'button', class: 'button small', onclick: signOut }, 'Sign in again')))
  }
  replace(main, view)
  if (focused !== null) main.querySelector<HTMLElement>(focused)?.focus()
}

const focusKey = (el: HTMLElement): string | null => {
  for (const attr of ['data-shift', 'data-seq', 'data-option', 'aria-label', 'data-view']) {
    const value = el.getAttribute(attr)
    if (value !== null) return `[${attr}="${CSS.escape(value)}"]`
  }
  return null
}

const renderAll = frameThrottle(() => {
  renderTabs()
  renderStatus()
  if (session !== null) renderPresence(session.ctx.peers())
  renderMain()
})

// ---------------------------------------------------------------- session

const closeSession = (): void => {
  if (session === null) return
  for (const fn of session.dispose) fn()
  session.store.destroy()
  session.conn.destroy()
  session = null
  replace($('presence'))
  renderStatus()
}

const openSession = (docName: string): Session => {
  const conn = connect({ url: wsUrl, docName, token: api.token() })
  const store = createStore(conn.doc)
  const awareness = conn.awareness
  const presence: PresenceState = { user: { name: userName, color: colorFor(userName) }, editing: null, view: route.view }
  awareness.setLocalState({ ...presence })
  const ctx: EditorContext = {
    docName,
    get route() { return route },
    store,
    conn,
    api,
    peers: () => peersOf(awareness.getStates() as Map<number, Record<string, unknown>>, awareness.clientID),
    navigate,
    setEditing: (editing) => awareness.setLocalStateField('editing', editing),
    toast,
    refresh: renderAll,
  }
  const s: Session = {
    docName, conn, store, ctx,
    conflicts: createConflictsCache(docName),
    history: createHistoryCache(docName),
    publish: createPublishCache(docName),
    mine: createMineCache(docName),
    openConflicts: null,
    dispose: [],
  }
  const refreshConflicts = (): void => {
    void loadConflicts(ctx, s.conflicts).then(() => {
      if (s.conflicts.list !== null) s.openConflicts = s.conflicts.list.filter((c) => c.status === 'open').length
      renderAll()
    })
  }
  s.dispose.push(
    store.onChange(renderAll),
    conn.onStatus((status) => {
      renderAll()
      if (status.state === 'auth-failed') toast('The server refused your token. Your edits stay on this device; sign in again.')
    }),
    conn.onDenied((denial) => {
      for (const line of deniedMessages(denial)) toast(line)
    }),
    conn.onConflictsNotice((notice) => {
      s.openConflicts = notice.open
      if (route.view === 'conflicts') refreshConflicts()
      renderAll()
    }),
  )
  // RotaInbox names the people whose inbox got items; refetch ours (the server pushes no contents).
  s.dispose.push(conn.onInboxNotice((notice) => {
    if (s.mine.staff !== true) return
    if (s.mine.mine !== null && !notice.recipients.includes(s.mine.mine.staff)) return
    if (route.view === 'mine') void loadMine(ctx, s.mine)
    else void probeMine(ctx, s.mine)
  }))
  const onAwareness = (): void => renderAll()
  awareness.on('change', onAwareness)
  s.dispose.push(() => awareness.off('change', onAwareness))
  refreshConflicts()
  void probeMine(ctx, s.mine)
  void loadPublish(ctx, s.publish)
  rememberDoc(docName)
  return s
}

const onRoute = (): void => {
  route = parseRoute(location.hash)
  if (route.doc === null) {
    closeSession()
    renderHome()
    return
  }
  if (!isDocName(route.doc)) {
    toast(`Not a schedule name: ${route.doc}`)
    navigate({ doc: null })
    return
  }
  if (session?.docName !== route.doc) {
    closeSession()
    session = openSession(route.doc)
  }
  session.conn.awareness.setLocalStateField('view', route.view)
  if (route.view !== 'history') session.history.previewWeek = null
  if (route.view === 'history') {
    if (session.history.entries === null) void loadHistory(session.ctx, session.history)
    if (route.at !== null) void loadPreview(session.ctx, session.history, route.at)
  }
  if (route.view === 'conflicts') void loadConflicts(session.ctx, session.conflicts)
  if (route.view === 'publish') void loadPublish(session.ctx, session.publish)
  if (route.view === 'mine') void loadMine(session.ctx, session.mine)
  lastMainKey = ''
  renderAll()
}

const renderHome = (): void => {
  $('title').textContent = 'Schedules'
  document.title = 'Rota'
  renderTabs()
  const open = (name: string): void => navigate({ doc: name, view: 'week', week: null, at: null })
  replace($('main'), renderPicker(api, open))
  api.listDocs().catch((err: unknown) => {
    if (needsSignIn(err)) replace($('main'), renderSignIn(api.hasToken() ? 'Your token was not accepted. Paste a new one.' : 'This server needs an access token.', signIn))
  })
}

// ---------------------------------------------------------------- boot

document.addEventListener('keydown', (event) => {
  if (session === null || !(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== 'z') return
  const target = event.target as HTMLElement
  if (target.closest('input, textarea, select, dialog')) return
  event.preventDefault()
  if (event.shiftKey) session.store.redo()
  else session.store.undo()
})
window.addEventListener('hashchange', onRoute)
// The app shell is cached by a service worker so the editor opens offline (data: IndexedDB).
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  navigator.serviceWorker.register('/sw.js').catch((err: unknown) => console.warn('offline shell unavailable:', err))
}
renderMe()
onRoute()
