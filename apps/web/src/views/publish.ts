import { ApiError, type DateRange, type Publication, type PublishPreview } from '../api.ts'
import type { EditorContext } from '../context.ts'
import { h } from '../dom.ts'
import { checkRange, previewPeople, previewProblems, publicationLine, publishSummary, rangeLabel, weekRange, type PreviewPerson } from '../publish-model.ts'
import { formatRoute } from '../route.ts'
import { openFormDialog } from './dialog.ts'
import { currentWeek } from './week.ts'

/**
 * The Publish view (those the team's role rule `publish` allows): a range and a note, the preview per
 * person, open conflicts and rule violations, and Publish; with open conflicts a confirmation dialog
 * first. The server decides who may: `allowed` is what its preview route answered.
 */
export interface PublishCache {
  docName: string
  /** null until the server answered whether this token may publish. */
  allowed: boolean | null
  range: DateRange | null
  note: string
  preview: PublishPreview | null
  /** The schedule (as JSON text) the preview was made beside: another one on screen means it changed since. */
  previewedWith: string | null
  publications: Publication[] | null
  error: string | null
  busy: boolean
  /** Counts loads, so an answer that arrives after a newer request's is dropped. */
  loads: number
}

export const createPublishCache = (docName: string): PublishCache =>
  ({ docName, allowed: null, range: null, note: '', preview: null, previewedWith: null, publications: null, error: null, busy: false, loads: 0 })

const rangeOf = (ctx: EditorContext, cache: PublishCache): DateRange => cache.range ?? weekRange(currentWeek(ctx, ctx.store.schedule()))

/**
 * Loads the publications (any reader) and the preview of the form's range. The server decides who may
 * publish, and its access check runs before it looks at the document, so the preview's answer says it:
 * 200 or 404 ROTA_ERR_DOC_NOT_FOUND (a schedule nothing is saved in yet) means yes, 401/403 no; a 404
 * without that code means the server runs without publishing.
 */
export const loadPublish = async (ctx: EditorContext, cache: PublishCache): Promise<void> => {
  const range = rangeOf(ctx, cache)
  const snapshot = JSON.stringify(ctx.store.schedule())
  const load = ++cache.loads
  const [publications, preview] = await Promise.allSettled([ctx.api.publications(cache.docName), ctx.api.publishPreview(cache.docName, range)])
  if (load !== cache.loads) return
  if (publications.status === 'fulfilled') cache.publications = publications.value
  if (preview.status === 'fulfilled') {
    cache.allowed = true
    cache.preview = preview.value
    cache.previewedWith = snapshot
    cache.error = null
  } else {
    const err = preview.reason as Error
    if (err instanceof ApiError && err.code === 'ROTA_ERR_DOC_NOT_FOUND') {
      cache.allowed = true
      cache.preview = null
      cache.error = 'nothing is saved in this schedule yet'
    } else if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) cache.allowed = false
    else cache.error = err.message
  }
  ctx.refresh()
}

const publishNow = async (ctx: EditorContext, cache: PublishCache, preview: PublishPreview, confirm: boolean): Promise<void> => {
  cache.busy = true
  ctx.refresh()
  try {
    const note = cache.note.trim()
    const { publication } = await ctx.api.publish(cache.docName, {
      from: preview.range.from, to: preview.range.to, seq: preview.seq, ...(note ? { note } : {}), ...(confirm ? { confirm: true } : {}),
    })
    ctx.toast(`Published ${rangeLabel(publication.range)}: ${publication.people === 1 ? '1 person' : `${publication.people} people`} told`)
    cache.note = ''
  } catch (err) {
    if (err instanceof ApiError && err.code === 'ROTA_PUBLISH_NEEDS_CONFIRMATION') {
      // A conflict opened since the preview: show it, and ask.
      cache.busy = false
      await loadPublish(ctx, cache)
      if (cache.preview !== null) confirmDialog(ctx, cache, cache.preview)
      return
    }
    ctx.toast(err instanceof ApiError && err.code === 'ROTA_PUBLISH_STALE_SEQ'
      ? 'Someone published this schedule meanwhile. Check the new preview and publish again.'
      : `Could not publish: ${(err as Error).message}`)
  }
  cache.busy = false
  await loadPublish(ctx, cache)
}

/** The confirmation step when conflicts in the range are open: what they are, and "Publish anyway". */
const confirmDialog = (ctx: EditorContext, cache: PublishCache, preview: PublishPreview): void => {
  const { conflicts } = previewProblems(preview, ctx.store.schedule())
  openFormDialog({
    title: `Publish with ${conflicts.length === 1 ? '1 open conflict' : `${conflicts.length} open conflicts`}?`,
    body: [
      h('p', {}, `${rangeLabel(preview.range)} has conflicts nobody has decided yet. ${publishSummary(preview)}; the shifts involved may still change, and they will be told again when they do.`),
      h('ul', { class: 'problems', 'aria-label': 'Open conflicts' }, conflicts.map((c) => h('li', {}, c))),
    ],
    submitLabel: 'Publish anyway',
    onSubmit: () => void publishNow(ctx, cache, preview, true),
  })
}

const onPublish = (ctx: EditorContext, cache: PublishCache, preview: PublishPreview): void => {
  if (preview.needsConfirmation) confirmDialog(ctx, cache, preview)
  else void publishNow(ctx, cache, preview, false)
}

const personCard = (p: PreviewPerson, index: number): HTMLElement =>
  h('article', { class: 'person-changes', 'data-staff': p.staff, 'aria-labelledby': `pp-${index}` },
    h('h4', { id: `pp-${index}` }, p.name, h('span', { class: 'muted' }, ` · ${p.detail}`)),
    h('ul', { class: 'changes' }, p.lines.map((l) => h('li', { 'data-shift': l.shift, 'data-kind': l.tone },
      h('span', { class: ['change-kind', l.tone] }, l.label), ' ', h('span', {}, l.text),
      l.was ? h('span', { class: 'muted' }, ` (was ${l.was})`) : null,
      l.shortNotice ? h('span', { class: 'short-notice', title: 'Within the team’s notice period: predictive-scheduling rules may attach pay to it' }, 'Short notice') : null))))

const previewPane = (ctx: EditorContext, cache: PublishCache, preview: PublishPreview): HTMLElement => {
  const schedule = ctx.store.schedule()
  const people = previewPeople(preview, schedule)
  const problems = previewProblems(preview, schedule)
  // Compared by content: an update that changes nothing visible (a refused change put back) is not a change.
  const stale = cache.previewedWith !== JSON.stringify(schedule)
  const formRange = rangeOf(ctx, cache)
  const sameRange = formRange.from === preview.range.from && formRange.to === preview.range.to
  return h('section', { class: 'publish-preview', 'aria-labelledby': 'preview-title' },
    h('div', { class: 'preview-banner' },
      h('h3', { id: 'preview-title' }, `Preview: ${rangeLabel(preview.range)}`),
      h('span', {}, `${publishSummary(preview)} · short notice: within ${preview.noticeDays} days`),
      h('span', { class: 'spacer' }),
      h('button', {
        type: 'button', class: 'button primary', disabled: cache.busy || !sameRange, 'data-action': 'publish',
        'aria-label': `Publish ${rangeLabel(preview.range)}`, onclick: () => onPublish(ctx, cache, preview),
      }, preview.needsConfirmation ? 'Publish…' : 'Publish')),
    sameRange ? null : h('p', { class: 'muted' }, 'The dates above are not the ones previewed: press Preview to see what publishing them would tell people.'),
    stale ? h('p', { class: 'banner warn', role: 'status' }, 'The schedule changed since this preview; Publish publishes what is shown here. ',
      h('button', { type: 'button', class: 'button small', onclick: () => void loadPublish(ctx, cache) }, 'Refresh preview')) : null,
    problems.conflicts.length > 0 ? h('section', { class: 'problems-box bad', 'aria-labelledby': 'pc-title' },
      h('h4', { id: 'pc-title' }, `Open conflicts (${problems.conflicts.length}): publishing asks you to confirm`),
      h('ul', {}, problems.conflicts.map((c) => h('li', {}, c))),
      h('a', { href: formatRoute({ ...ctx.route, view: 'conflicts', at: null }) }, 'Decide them in Conflicts')) : null,
    problems.violations.length > 0 ? h('section', { class: 'problems-box warn', 'aria-labelledby': 'pv-title' },
      h('h4', { id: 'pv-title' }, `Rule violations (${problems.violations.length})`),
      h('ul', {}, problems.violations.map((v) => h('li', {}, v)))) : null,
    h('section', { class: 'people', 'aria-label': 'Changes per person' },
      people.length === 0 ? h('p', { class: 'empty' }, 'Nothing changed for anyone in this range since it was last published.') : people.map(personCard)))
}

const form = (ctx: EditorContext, cache: PublishCache): HTMLElement => {
  const range = rangeOf(ctx, cache)
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const read = (f: HTMLFormElement): void => {
    const data = new FormData(f)
    const checked = checkRange(String(data.get('from') ?? ''), String(data.get('to') ?? ''))
    if (typeof checked !== 'string') cache.range = checked
    cache.note = String(data.get('note') ?? '')
  }
  const f = h('form', {
    class: 'publish-form', 'aria-label': 'What to publish',
    oninput: (e: Event) => read(e.currentTarget as HTMLFormElement),
    onsubmit: (e: SubmitEvent) => {
      e.preventDefault()
      const el = e.currentTarget as HTMLFormElement
      const data = new FormData(el)
      const checked = checkRange(String(data.get('from') ?? ''), String(data.get('to') ?? ''))
      if (typeof checked === 'string') {
        error.textContent = checked
        error.hidden = false
        return
      }
      read(el)
      void loadPublish(ctx, cache)
    },
  },
  h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'From'), h('input', { type: 'date', name: 'from', value: range.from, required: true })),
  h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'To'), h('input', { type: 'date', name: 'to', value: range.to, required: true })),
  h('label', { class: 'field note' }, h('span', { class: 'field-label' }, 'Note to staff (optional)'),
    h('input', { type: 'text', name: 'note', value: cache.note, maxlength: 2000, placeholder: 'e.g. Christmas cover confirmed' })),
  h('button', { type: 'submit', class: 'button', disabled: cache.busy }, 'Preview'),
  error)
  return f
}

const lastPublicationLine = (cache: { publications: Publication[] | null }): HTMLElement | null => {
  const last = cache.publications?.[0]
  return last === undefined ? null : h('p', { class: 'last-publication', 'data-publication': last.id }, publicationLine(last), last.note ? ` · “${last.note}”` : '')
}

export const renderPublish = (ctx: EditorContext, cache: PublishCache): HTMLElement => {
  const body: (HTMLElement | null)[] = []
  if (cache.allowed === false) body.push(h('p', { class: 'empty' }, 'Your role may not publish this schedule (the team’s role rule “publish”; managers by default).'))
  else {
    body.push(form(ctx, cache))
    if (cache.preview !== null) body.push(previewPane(ctx, cache, cache.preview))
    else body.push(h('p', { class: 'empty' }, cache.error ? `Preview unavailable: ${cache.error}` : 'Loading the preview…'))
  }
  const earlier = (cache.publications ?? []).slice(1)
  return h('section', { class: 'view publish', 'aria-labelledby': 'publish-title' },
    h('div', { class: 'toolbar' },
      h('h2', { id: 'publish-title' }, 'Publish'),
      h('span', { class: 'muted' }, 'Tell each person what changed for them in a range of dates.')),
    lastPublicationLine(cache) ?? (cache.publications === null ? null : h('p', { class: 'last-publication muted' }, 'Not published yet.')),
    ...body,
    earlier.length === 0 ? null : h('details', { class: 'inbox closed' }, h('summary', {}, `Earlier publications (${earlier.length})`),
      h('ul', {}, earlier.map((p) => h('li', { 'data-publication': p.id }, publicationLine(p), p.note ? ` · “${p.note}”` : '')))))
}
