import * as Y from 'yjs'
import { tenantOf } from '@rota/auth'
import type { UpdateLog } from '@rota/log'
import { addDays, toJSON, type SettingsJSON, type ShiftJSON } from '@rota/model'
import { publishedView, type Publication } from '@rota/publish'
import type { FeedEvent, Person } from './types.ts'

/** Where the feed reads publications: @rota/publish's store (`PublicationStore.list`, newest first). */
export interface PublicationSource {
  list(doc: string): Promise<Publication[]>
}

/**
 * The dates a feed covers, around today: shifts further back are forgotten (not cancelled), those further
 * ahead wait. 60 + 300 days keeps the range within one read of the published view (366 days).
 */
export const FEED_PAST_DAYS = 60
export const FEED_FUTURE_DAYS = 300

export interface FeedWindow {
  from: string
  to: string
}

export const feedWindow = (nowMs: number): FeedWindow => {
  const today = new Date(nowMs).toISOString().slice(0, 10)
  return { from: addDays(today, -FEED_PAST_DAYS), to: addDays(today, FEED_FUTURE_DAYS) }
}

/** The settings as published at a seq (time zone and name of the schedule people were told). */
const settingsAt = async (log: UpdateLog, doc: string, seq: number): Promise<SettingsJSON> => {
  const ydoc = new Y.Doc()
  try {
    if (seq > 0) Y.applyUpdate(ydoc, await log.stateAt(doc, { seq }))
    return toJSON(ydoc).settings
  } finally {
    ydoc.destroy()
  }
}

/** The UID of a shift's event: the shift id and its document, stable whatever else changes. */
export const eventUid = (doc: string, shift: string): string => `${shift}.${encodeURIComponent(doc)}@rota`

const eventOf = (doc: string, id: string, shift: ShiftJSON, settings: SettingsJSON): FeedEvent => ({
  uid: eventUid(doc, id),
  doc,
  shift: id,
  date: shift.date,
  start: shift.start,
  end: shift.end,
  timezone: settings.timezone,
  summary: settings.name === '' ? shift.role : `${shift.role} · ${settings.name}`,
  description: [shift.notes, shift.requiredSkill === null ? '' : `Skill: ${shift.requiredSkill}`, `Schedule: ${doc}`].filter((l) => l !== '').join('\n'),
})

const docsOf = async function* (log: UpdateLog, tenant: string): AsyncGenerator<string> {
  // A tenant's documents are named '<tenant>/…'; documents without a tenant segment belong to tenant ''.
  for await (const { doc } of log.listDocs(tenant === '' ? undefined : `${tenant}/`)) {
    if ((tenantOf(doc) ?? '') === tenant) yield doc
  }
}

export interface PersonShifts {
  events: FeedEvent[]
  /** The person's name as the newest publication read published it, if any. */
  name: string | undefined
}

/**
 * A person's published shifts in the window, over every document of their tenant: each date as the newest
 * publication covering it published it (@rota/publish's published view, the same one "my shifts" reads).
 */
export const publishedShiftsOf = async (log: UpdateLog, publications: PublicationSource, person: Person, window: FeedWindow): Promise<PersonShifts> => {
  const events: FeedEvent[] = []
  let name: string | undefined
  for await (const doc of docsOf(log, person.tenant)) {
    const all = await publications.list(doc)
    const inWindow = all.filter((p) => p.range.to >= window.from && p.range.from <= window.to)
    if (inWindow.length === 0) continue
    const from = inWindow.reduce((d, p) => (p.range.from < d ? p.range.from : d), window.to)
    const to = inWindow.reduce((d, p) => (p.range.to > d ? p.range.to : d), window.from)
    const range = { from: from < window.from ? window.from : from, to: to > window.to ? window.to : to }
    const view = await publishedView(log, doc, all, range)
    const settings = await settingsAt(log, doc, inWindow[0]!.seq)
    name = view.staff[person.staff]?.name ?? name
    for (const [id, shift] of Object.entries(view.shifts)) if (shift.assignee === person.staff) events.push(eventOf(doc, id, shift, settings))
  }
  return { events, name }
}
