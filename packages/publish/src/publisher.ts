import { tenantOf } from '@rota/auth'
import type { DateRange, ScheduleJSON } from '@rota/model'
import type { Violation } from '@rota/resolver'
import { RotaServerError, ServerErrorCode, type Identity } from '@rota/server'
import { conflictsIn, violationsIn, type ConflictSummary } from './checks.ts'
import { tenantKey, type PublishContext } from './context.ts'
import { changesByPerson } from './diff.ts'
import { PublishError, PublishErrorCode } from './errors.ts'
import { isShortNotice, wallClockNow } from './notice.ts'
import { publishedView, scheduleAt } from './published.ts'
import type { Publication, PublishSettings, Receipt, ShiftChange } from './types.ts'

export interface PersonChanges {
  staff: string
  /** The person's name in the state being published (null for an id with no staff record). */
  name: string | null
  changes: ShiftChange[]
}

export interface Preview {
  doc: string
  /** The state publishing now would publish (pass it to publish to publish exactly this). */
  seq: number
  range: DateRange
  lastPublication: string | null
  noticeDays: number
  people: PersonChanges[]
  conflicts: ConflictSummary[]
  violations: Violation[]
  /** Open conflicts in the range: publishing needs `confirm: true`. */
  needsConfirmation: boolean
}

interface Computed {
  seq: number
  after: ScheduleJSON
  publications: Publication[]
  settings: PublishSettings
  people: PersonChanges[]
}

/** The seq to publish: the head, or the one asked for if it is neither after the head nor before the last publication. */
const seqToPublish = async (ctx: PublishContext, doc: string, latest: Publication | undefined, asked?: number): Promise<number> => {
  const head = await ctx.log.head(doc)
  if (head === undefined) throw new RotaServerError(ServerErrorCode.DocNotFound, 'no such document', { doc })
  if (asked === undefined) return head.headSeq
  if (asked > head.headSeq) throw new PublishError(PublishErrorCode.StaleSeq, `seq ${asked} is after the head (${head.headSeq})`, { seq: asked, head: head.headSeq })
  if (latest !== undefined && asked < latest.seq) {
    throw new PublishError(PublishErrorCode.StaleSeq, `seq ${asked} is before the last publication's (${latest.seq})`, { seq: asked, publication: latest.id })
  }
  return asked
}

/** Everyone's changes between what they were last told for the range and the state at the seq. */
const compute = async (ctx: PublishContext, doc: string, range: DateRange, asked?: number): Promise<Computed> => {
  const publications = await ctx.publications.list(doc)
  const seq = await seqToPublish(ctx, doc, publications[0], asked)
  const [before, after, settings] = await Promise.all([
    publishedView(ctx.log, doc, publications, range),
    scheduleAt(ctx.log, doc, seq),
    ctx.publications.settings(tenantKey(tenantOf(doc))),
  ])
  const nowWall = wallClockNow(after.settings.timezone, ctx.now())
  const byPerson = changesByPerson(before, after, range, (b, a) => isShortNotice(b, a, nowWall, settings.noticeDays))
  const people = [...byPerson].map(([staff, changes]) => ({ staff, name: after.staff[staff]?.name ?? null, changes }))
  return { seq, after, publications, settings, people }
}

/** What publishing the range now would change per person, with the open conflicts and rule violations in it. */
export const preview = async (ctx: PublishContext, doc: string, range: DateRange, seq?: number): Promise<Preview> => {
  const c = await compute(ctx, doc, range, seq)
  const conflicts = await conflictsIn(ctx.conflicts, doc, c.after, range)
  return {
    doc, seq: c.seq, range, lastPublication: c.publications[0]?.id ?? null, noticeDays: c.settings.noticeDays, people: c.people,
    conflicts, violations: violationsIn(c.after, range), needsConfirmation: conflicts.length > 0,
  }
}

export interface PublishRequest {
  range: DateRange
  note?: string
  /** The previewed seq; default the head. */
  seq?: number
  /** Publish although conflicts in the range are open. */
  confirm?: boolean
}

/**
 * Publishes a range: stores the publication with every person's receipt (one batch), then tells each
 * person with changes through their inbox and the document's Rota connections. One at a time per document.
 */
export const publish = (ctx: PublishContext, doc: string, who: Identity, request: PublishRequest): Promise<{ publication: Publication; receipts: Receipt[] }> =>
  ctx.serial(doc, async () => {
    const c = await compute(ctx, doc, request.range, request.seq)
    const conflicts = await conflictsIn(ctx.conflicts, doc, c.after, request.range)
    if (conflicts.length > 0 && request.confirm !== true) {
      throw new PublishError(PublishErrorCode.NeedsConfirmation, `${conflicts.length} open conflict(s) in the range: publish with confirm: true`, {
        conflicts: conflicts.map((x) => x.id),
      })
    }
    const at = new Date(ctx.now()).toISOString()
    let receipts: Receipt[] = []
    const publication = await ctx.publications.add(doc, (id) => {
      receipts = c.people.map((p) => ({ publication: id, doc, staff: p.staff, at, changes: p.changes }))
      const made: Publication = {
        id, doc, seq: c.seq, range: request.range, by: who.sub, role: who.role, at, note: request.note ?? null,
        confirmedConflicts: conflicts.map((x) => x.id), people: receipts.length,
      }
      return { publication: made, receipts }
    })
    ctx.metrics?.publications.inc()
    ctx.metrics?.receipts.inc(receipts.length)
    await tellPeople(ctx, doc, receipts)
    return { publication, receipts }
  })

/** One inbox item per person with changes, and one RotaInbox push naming them. */
const tellPeople = async (ctx: PublishContext, doc: string, receipts: Receipt[]): Promise<void> => {
  if (receipts.length === 0) return
  const items = receipts.map((r) => ({
    item: { kind: 'published' as const, doc, staff: r.staff, at: r.at, updatedAt: r.at, read: false, publication: r.publication, changes: r.changes },
  }))
  await ctx.inbox.deliver(tenantKey(tenantOf(doc)), items)
  ctx.metrics?.inboxItems.inc({ kind: 'published' }, items.length)
  ctx.notify(doc, receipts.map((r) => r.staff), 'published')
}
