import type { ScheduleJSON } from '@rota/model'
import { h } from '../dom.ts'
import type { EditorContext } from '../context.ts'
import type { HistoryEntry } from '../api.ts'
import { buildWeekGrid } from '../grid-model.ts'
import { timeline } from '../history-model.ts'
import { startOfWeek, today, weekLabel, addWeeks } from '../week.ts'
import { summary, weekTable } from './week.ts'

export interface HistoryCache {
  docName: string
  entries: HistoryEntry[] | null
  /** `before` for the next older page, null when the start is loaded. */
  next: number | null
  error: string | null
  preview: { seq: number; schedule: ScheduleJSON | null; error: string | null } | null
  previewWeek: string | null
  busy: boolean
}

export const createHistoryCache = (docName: string): HistoryCache => ({ docName, entries: null, next: null, error: null, preview: null, previewWeek: null, busy: false })

/** Loads the newest page, or with `older` the page before the oldest loaded. */
export const loadHistory = async (ctx: EditorContext, cache: HistoryCache, older = false): Promise<void> => {
  try {
    const page = await ctx.api.history(cache.docName, older ? cache.next : null)
    cache.entries = older ? [...(cache.entries ?? []), ...page.entries] : page.entries
    cache.next = page.next
    cache.error = null
  } catch (err) {
    cache.error = (err as Error).message
  }
  ctx.refresh()
}

/** Fetches the schedule as it was after entry `seq`, unless already shown. */
export const loadPreview = async (ctx: EditorContext, cache: HistoryCache, seq: number): Promise<void> => {
  if (cache.preview?.seq === seq) return
  cache.preview = { seq, schedule: null, error: null }
  ctx.refresh()
  try {
    const schedule = await ctx.api.scheduleAt(cache.docName, seq)
    if (cache.preview?.seq === seq) cache.preview.schedule = schedule
  } catch (err) {
    if (cache.preview?.seq === seq) cache.preview.error = (err as Error).message
  }
  ctx.refresh()
}

const restore = async (ctx: EditorContext, cache: HistoryCache, seq: number): Promise<void> => {
  if (!confirm(`Restore the schedule as it was at #${seq}? Everyone sees the change; it is itself recorded and can be undone from here.`)) return
  cache.busy = true
  ctx.refresh()
  try {
    await ctx.api.restore(cache.docName, seq)
    ctx.toast(`Restored the version of #${seq}`)
    cache.preview = null
    ctx.navigate({ at: null })
  } catch (err) {
    ctx.toast(`Restore failed: ${(err as Error).message}`)
  }
  cache.busy = false
  await loadHistory(ctx, cache)
}

const previewPane = (ctx: EditorContext, cache: HistoryCache, seq: number): HTMLElement => {
  const preview = cache.preview
  if (preview === null || preview.schedule === null) {
    return h('div', { class: 'preview' }, h('p', { class: 'empty' }, preview?.error ? `Cannot show #${seq}: ${preview.error}` : 'Loading…'))
  }
  const schedule = preview.schedule
  const week = cache.previewWeek ?? ctx.route.week ?? startOfWeek(today(), schedule.settings.weekStartsOn)
  const grid = buildWeekGrid(schedule, week)
  const move = (n: number) => () => { cache.previewWeek = addWeeks(week, n); ctx.refresh() }
  return h('div', { class: 'preview', 'aria-label': `Schedule at #${seq}` },
    h('div', { class: 'preview-banner', role: 'region', 'aria-label': 'Preview' },
      h('strong', {}, `Preview of #${seq}`), h('span', {}, `${Object.keys(schedule.staff).length} people · ${Object.keys(schedule.shifts).length} shifts`),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'button', onclick: () => ctx.navigate({ at: null }) }, 'Back to live'),
      h('button', { type: 'button', class: 'button primary', disabled: cache.busy, onclick: () => void restore(ctx, cache, seq) }, 'Restore this version'),
    ),
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', class: 'button icon', 'aria-label': 'Previous week', onclick: move(-1) }, '‹'),
      h('button', { type: 'button', class: 'button icon', 'aria-label': 'Next week', onclick: move(1) }, '›'),
      h('h3', { class: 'week-label' }, weekLabel(week)), summary(grid)),
    h('div', { class: 'grid-wrap' }, weekTable(null, grid)))
}

export const renderHistory = (ctx: EditorContext, cache: HistoryCache): HTMLElement => {
  const schedule = ctx.store.schedule()
  const selected = ctx.route.at
  const items = cache.entries === null ? [] : timeline(schedule, cache.entries)
  return h('section', { class: 'view history', 'aria-labelledby': 'history-title' },
    h('div', { class: 'toolbar' },
      h('h2', { id: 'history-title' }, 'History'),
      h('span', { class: 'muted' }, 'Every change, who made it and when. Pick one to see the schedule as it was.'),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'button small', onclick: () => void loadHistory(ctx, cache) }, 'Refresh')),
    h('div', { class: 'history-layout' },
      h('ol', { class: 'timeline', 'aria-label': 'Changes, newest first' },
        cache.entries === null ? h('li', { class: 'empty' }, cache.error ? `History is unavailable: ${cache.error}` : 'Loading…') : null,
        items.map((item) => h('li', { class: item.seq === selected ? 'selected' : undefined },
          h('button', { type: 'button', class: 'entry', 'data-seq': item.seq, 'aria-current': item.seq === selected ? 'true' : undefined,
            onclick: () => ctx.navigate({ at: item.seq }) },
          h('span', { class: 'seq' }, `#${item.seq}`),
          h('span', { class: 'who' }, item.who),
          h('span', { class: 'what' }, item.what),
          h('time', { datetime: item.when.toISOString() }, item.when.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })),
          item.origin !== 'ws' ? h('span', { class: 'tag' }, item.origin) : null))),
        cache.next !== null ? h('li', {}, h('button', { type: 'button', class: 'button small older', onclick: () => void loadHistory(ctx, cache, true) }, 'Older changes')) : null),
      selected === null ? h('p', { class: 'empty preview' }, 'Select a change to preview the schedule at that point.') : previewPane(ctx, cache, selected)),
  )
}
