import { h } from '../dom.ts'
import type { EditorContext } from '../context.ts'
import type { Conflict, ConflictOption } from '../api.ts'
import { conflictTitle, describePath, describeShift, groupConflicts, keepAllOption, percent, staffName } from '../conflict-model.ts'
import type { ScheduleJSON } from '@rota/model'

/** The inbox's data for the open document, fetched on demand and when the server says it changed. */
export interface ConflictsCache {
  docName: string
  list: Conflict[] | null
  error: string | null
  busy: boolean
}

export const createConflictsCache = (docName: string): ConflictsCache => ({ docName, list: null, error: null, busy: false })

export const loadConflicts = async (ctx: EditorContext, cache: ConflictsCache): Promise<void> => {
  try {
    cache.list = await ctx.api.conflicts(cache.docName)
    cache.error = null
  } catch (err) {
    cache.error = (err as Error).message
  }
  ctx.refresh()
}

const act = async (ctx: EditorContext, cache: ConflictsCache, action: () => Promise<Conflict>, done: string): Promise<void> => {
  cache.busy = true
  ctx.refresh()
  try {
    const updated = await action()
    cache.list = (cache.list ?? []).map((c) => (c.id === updated.id ? updated : c))
    ctx.toast(done)
  } catch (err) {
    ctx.toast(`Could not do that: ${(err as Error).message}`)
  }
  cache.busy = false
  await loadConflicts(ctx, cache)
}

const when = (iso: string | null): string => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '')

const about = (schedule: ScheduleJSON, conflict: Conflict): HTMLElement =>
  h('ul', { class: 'about' },
    conflict.refs.staff.map((id) => h('li', {}, h('span', { class: 'k' }, 'Person'), staffName(schedule, id))),
    conflict.refs.shifts.map((id) => h('li', {}, h('span', { class: 'k' }, 'Shift'), describeShift(schedule, id))),
    conflict.refs.coverage ? h('li', {}, h('span', { class: 'k' }, 'Coverage'),
      `${conflict.refs.coverage.role} on ${conflict.refs.coverage.date} ${conflict.refs.coverage.start}–${conflict.refs.coverage.end}`) : null,
    conflict.refs.paths.map((p) => h('li', {}, h('span', { class: 'k' }, 'Field'), describePath(schedule, p), ' ', h('code', { class: 'muted' }, p))),
  )

const sides = (conflict: Conflict): HTMLElement =>
  h('ol', { class: 'sides', 'aria-label': 'The edits involved' },
    conflict.edits.map((e) => h('li', {}, h('strong', {}, e.editorId), ` (${e.role}) edited ${when(e.clientTime)}`,
      // An offline edit arrives later than it was made; worth saying only when it did.
      Math.abs(Date.parse(e.receivedAt) - Date.parse(e.clientTime)) > 60_000 ? h('span', { class: 'muted' }, ` · arrived ${when(e.receivedAt)}`) : null)))

const optionButton = (ctx: EditorContext, cache: ConflictsCache, conflict: Conflict, option: ConflictOption, applied: boolean): HTMLElement => {
  const suggested = conflict.suggestion?.optionId === option.id
  return h('button', {
    type: 'button',
    class: ['option', suggested && 'suggested', applied && 'applied'],
    disabled: cache.busy || applied,
    'data-option': option.id,
    onclick: () => void act(ctx, cache, () => ctx.api.resolveConflict(cache.docName, conflict.id, option.id), `Resolved: ${option.label}`),
  },
  h('span', { class: 'option-label' }, option.label),
  h('span', { class: 'option-meta' },
    option.keeps.length ? `keeps ${option.keeps.join(', ')}` : 'keeps nobody\'s edit',
    option === keepAllOption(conflict) ? ' · waives the rule' : '',
    suggested && conflict.suggestion ? h('span', { class: 'badge' }, `Suggested · ${percent(conflict.suggestion.confidence)}`) : null,
    applied ? h('span', { class: 'badge' }, 'Applied') : null,
  ))
}

const card = (ctx: EditorContext, cache: ConflictsCache, schedule: ScheduleJSON, conflict: Conflict): HTMLElement => {
  const auto = conflict.status === 'auto_applied'
  const applied = conflict.options.find((o) => o.id === conflict.appliedOptionId)
  return h('article', { class: ['conflict', conflict.status], 'data-conflict': conflict.id, 'aria-labelledby': `c-${conflict.id}` },
    h('header', {},
      h('h3', { id: `c-${conflict.id}` }, conflictTitle(conflict.kind)),
      h('span', { class: 'muted' }, `found ${when(conflict.detectedAt)}`),
      conflict.suggestion ? h('span', { class: 'confidence', title: `Strategy: ${conflict.suggestion.strategy}` },
        h('span', { class: 'meter' }, h('span', { style: `width: ${Math.round(conflict.suggestion.confidence * 100)}%` })),
        `${percent(conflict.suggestion.confidence)} sure`) : null,
    ),
    about(schedule, conflict),
    sides(conflict),
    auto && applied ? h('p', { class: 'auto-note' }, `Resolved automatically: ${applied.label}.`) : null,
    h('div', { class: 'options', role: 'group', 'aria-label': auto ? 'Change the automatic choice' : 'Pick a resolution' },
      conflict.options.map((o) => optionButton(ctx, cache, conflict, o, auto && o.id === conflict.appliedOptionId))),
    h('div', { class: 'conflict-actions' },
      auto && applied ? h('button', { type: 'button', class: 'button small', disabled: cache.busy,
        onclick: () => void act(ctx, cache, () => ctx.api.resolveConflict(cache.docName, conflict.id, applied.id), 'Confirmed') }, 'Keep it') : null,
      h('button', { type: 'button', class: 'button small', disabled: cache.busy,
        onclick: () => void act(ctx, cache, () => ctx.api.dismissConflict(cache.docName, conflict.id), auto ? 'Automatic change undone' : 'Dismissed') },
      auto ? 'Undo' : 'Not a conflict'),
    ),
  )
}

export const renderConflicts = (ctx: EditorContext, cache: ConflictsCache): HTMLElement => {
  const schedule = ctx.store.schedule()
  const body: (HTMLElement | null)[] = []
  if (cache.list === null) {
    body.push(h('p', { class: 'empty' }, cache.error ? `Conflicts are unavailable: ${cache.error}` : 'Loading…'))
  } else {
    const inbox = groupConflicts(cache.list)
    body.push(
      h('section', { class: 'inbox', 'aria-labelledby': 'open-title' },
        h('h3', { id: 'open-title' }, `Needs a decision (${inbox.open.length})`),
        inbox.open.length === 0 ? h('p', { class: 'empty' }, 'Nothing to decide. Conflicts appear here when offline or simultaneous edits clash.') : null,
        inbox.open.map((c) => card(ctx, cache, schedule, c))),
      h('section', { class: 'inbox', 'aria-labelledby': 'auto-title' },
        h('h3', { id: 'auto-title' }, `Resolved automatically (${inbox.auto.length})`),
        inbox.auto.length === 0 ? h('p', { class: 'empty' }, 'When the resolver is confident it applies its suggestion itself; those appear here, and can be confirmed, changed or undone.') : null,
        inbox.auto.map((c) => card(ctx, cache, schedule, c))),
      inbox.closed.length === 0 ? null : h('details', { class: 'inbox closed' },
        h('summary', {}, `Earlier (${inbox.closed.length})`),
        h('ul', {}, inbox.closed.map((c) => h('li', { 'data-conflict': c.id },
          `${conflictTitle(c.kind)} · ${c.status.replace('_', ' ')}`,
          c.appliedOptionId ? ` · ${c.options.find((o) => o.id === c.appliedOptionId)?.label ?? c.appliedOptionId}` : '',
          c.resolvedBy ? ` · by ${c.resolvedBy}` : '', ` · ${when(c.resolvedAt)}`)))),
    )
  }
  return h('section', { class: 'view conflicts', 'aria-labelledby': 'conflicts-title' },
    h('div', { class: 'toolbar' },
      h('h2', { id: 'conflicts-title' }, 'Conflicts'),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'button small', onclick: () => void loadConflicts(ctx, cache) }, 'Refresh')),
    body)
}
