import { ApiError, type InboxItem, type MyShifts } from '../api.ts'
import type { EditorContext } from '../context.ts'
import { h } from '../dom.ts'
import { staffName } from '../conflict-model.ts'
import { changeLines, inboxLine, rangeLabel, shiftLine, whenLabel } from '../publish-model.ts'
import { addDays, addWeeks } from '../week.ts'
import { currentWeek } from './week.ts'

/**
 * "My shifts" for a token with a `staffId`: the published shifts of four weeks from the week on
 * screen (what the person was told, not the live document), what changed for them at each
 * publication, and their inbox. `staff` is null until the server said the token names a person.
 */
export interface MineCache {
  docName: string
  staff: boolean | null
  unread: number | null
  mine: MyShifts | null
  inbox: InboxItem[] | null
  error: string | null
  /** Counts requests, so an answer that arrives after a newer request's is dropped. */
  loads: number
}

export const createMineCache = (docName: string): MineCache => ({ docName, staff: null, unread: null, mine: null, inbox: null, error: null, loads: 0 })

/** Asks whether the token names a person (the unread count answers 403 ROTA_PUBLISH_NOT_STAFF when not). */
export const probeMine = async (ctx: EditorContext, cache: MineCache): Promise<void> => {
  const load = ++cache.loads
  try {
    const unread = await ctx.api.unreadCount()
    if (load !== cache.loads) return
    cache.unread = unread
    cache.staff = true
  } catch (err) {
    if (load !== cache.loads) return
    // 403 ROTA_PUBLISH_NOT_STAFF: the token names nobody; 404: the server runs without publishing.
    if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) cache.staff = false
  }
  ctx.refresh()
}

export const loadMine = async (ctx: EditorContext, cache: MineCache): Promise<void> => {
  const from = currentWeek(ctx, ctx.store.schedule())
  const load = ++cache.loads
  try {
    const [mine, inbox] = await Promise.all([ctx.api.myShifts(cache.docName, { from, to: addDays(from, 27) }), ctx.api.inbox()])
    if (load !== cache.loads) return
    cache.mine = mine
    cache.inbox = inbox.items
    cache.unread = inbox.unread
    cache.staff = true
    cache.error = null
  } catch (err) {
    if (load !== cache.loads) return
    cache.error = (err as Error).message
  }
  ctx.refresh()
}

const markRead = async (ctx: EditorContext, cache: MineCache, which: string[] | 'all'): Promise<void> => {
  try {
    cache.unread = (await ctx.api.markRead(which)).unread
  } catch (err) {
    ctx.toast(`Could not mark read: ${(err as Error).message}`)
  }
  await loadMine(ctx, cache)
}

const inboxSection = (ctx: EditorContext, cache: MineCache): HTMLElement =>
  h('section', { class: 'inbox mine-inbox', 'aria-labelledby': 'inbox-title' },
    h('div', { class: 'toolbar' },
      h('h3', { id: 'inbox-title' }, `Inbox (${cache.unread ?? 0} unread)`),
      h('span', { class: 'spacer' }),
      cache.unread ? h('button', { type: 'button', class: 'button small', onclick: () => void markRead(ctx, cache, 'all') }, 'Mark all read') : null),
    cache.inbox === null || cache.inbox.length === 0 ? h('p', { class: 'empty' }, cache.inbox === null ? 'Loading…' : 'Nothing yet. You are told here when your shifts are published or change after publishing.') : null,
    h('ul', { class: 'inbox-items' }, (cache.inbox ?? []).map((item) => {
      const line = inboxLine(item)
      return h('li', { class: ['inbox-item', !item.read && 'unread'], 'data-item': item.id },
        h('span', {}, line, item.doc !== cache.docName ? h('span', { class: 'tag' }, item.doc) : null),
        h('time', { class: 'muted', datetime: item.updatedAt }, `${whenLabel(item.updatedAt)} UTC`),
        item.conflict && item.doc === cache.docName
          ? h('button', { type: 'button', class: 'button small', 'aria-label': `Open in Conflicts: ${line}`, onclick: () => ctx.navigate({ view: 'conflicts' }) }, 'Open in Conflicts')
          : null,
        item.read ? null : h('button', { type: 'button', class: 'button small', 'aria-label': `Mark read: ${line}`, onclick: () => void markRead(ctx, cache, [item.id]) }, 'Mark read'))
    })))

export const renderMine = (ctx: EditorContext, cache: MineCache): HTMLElement => {
  const schedule = ctx.store.schedule()
  const from = currentWeek(ctx, schedule)
  const name = (id: string | null): string => staffName(schedule, id)
  const mine = cache.mine
  const move = (n: number) => () => ctx.navigate({ week: addWeeks(from, n) })
  return h('section', { class: 'view mine', 'aria-labelledby': 'mine-title' },
    h('div', { class: 'toolbar' },
      h('h2', { id: 'mine-title' }, 'My shifts'),
      h('button', { type: 'button', class: 'button icon', 'aria-label': 'Earlier weeks', onclick: move(-4) }, '‹'),
      h('button', { type: 'button', class: 'button icon', 'aria-label': 'Later weeks', onclick: move(4) }, '›'),
      h('span', { class: 'week-label' }, rangeLabel({ from, to: addDays(from, 27) })),
      h('span', { class: 'muted' }, 'As published: changes not yet published are not shown here.')),
    cache.error ? h('p', { class: 'empty' }, `Unavailable: ${cache.error}`) : null,
    h('div', { class: 'mine-layout' },
      h('div', {},
        h('section', { class: 'published-shifts', 'aria-labelledby': 'ps-title' },
          h('h3', { id: 'ps-title' }, 'Published shifts'),
          mine === null ? h('p', { class: 'empty' }, 'Loading…') : mine.shifts.length === 0 ? h('p', { class: 'empty' }, 'No published shifts in these weeks.') : null,
          h('ul', { class: 'changes' }, (mine?.shifts ?? []).map((s) => h('li', { 'data-shift': s.id }, shiftLine(s.shift), s.shift.notes ? h('span', { class: 'muted' }, ` · ${s.shift.notes}`) : null)))),
        h('section', { class: 'receipts', 'aria-labelledby': 'rc-title' },
          h('h3', { id: 'rc-title' }, 'What changed for you'),
          mine !== null && mine.receipts.length === 0 ? h('p', { class: 'empty' }, 'No publication has changed your shifts yet.') : null,
          (mine?.receipts ?? []).map((r) => h('article', { class: 'receipt', 'data-publication': r.publication, 'aria-labelledby': `r-${r.publication}` },
            h('h4', { id: `r-${r.publication}` }, `Published ${whenLabel(r.at)} UTC`),
            h('ul', { class: 'changes' }, changeLines(r.changes, mine?.staff ?? r.staff, name).map((l) => {
              return h('li', { 'data-shift': l.shift, 'data-kind': l.tone },
                h('span', { class: ['change-kind', l.tone] }, l.label), ' ', l.text, l.was ? h('span', { class: 'muted' }, ` (was ${l.was})`) : null,
                l.shortNotice ? h('span', { class: 'short-notice' }, 'Short notice') : null)
            })))))),
      inboxSection(ctx, cache)))
}
