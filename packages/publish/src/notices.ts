import type { Conflict } from '@rota/resolver'
import type { RefusedEvent } from '@rota/server'
import { docTenant } from './access.ts'
import { tenantKey, type PublishContext } from './context.ts'
import type { People } from './people.ts'
import type { InboxConflict, InboxItem, InboxKind } from './types.ts'

type Delivery = { item: Omit<InboxItem, 'id'>; dedupe?: string }

/** Longest list of refused changes an item keeps (one update can carry many; the first say what happened). */
const MAX_REFUSED = 50

/**
 * The inbox events that do not come from publishing:
 * - **a conflict needs your decision** (`conflict_needs_decision`): an open conflict, to the tenant's people
 *   who may decide conflicts (the auth hooks' `canAdmin(identity, 'conflicts')`, lead and up by default);
 * - **a conflict involving your edit was resolved automatically** (`conflict_resolved_automatically`): to the
 *   editors of the conflicting edits (their token's `sub`, found in the people directory, people.ts);
 * - **a change of yours was not accepted** (`change_not_accepted`): the server took changes out of an update
 *   (`rooms.onRefused`), to the editor's own staff id.
 * One unread item per conflict (a conflict that grows updates it: `times`); each delivery pushes RotaInbox.
 */
export const createNotices = (ctx: PublishContext, people: People) => {
  const deliver = async (doc: string, kind: InboxKind, items: Delivery[]): Promise<void> => {
    if (items.length === 0) return
    await ctx.inbox.deliver(docTenant(doc), items)
    ctx.metrics?.inboxItems.inc({ kind }, items.length)
    ctx.notify(doc, [...new Set(items.map((i) => i.item.staff))].sort(), kind)
  }
  const base = (doc: string, staff: string, kind: InboxKind) => {
    const at = new Date(ctx.now()).toISOString()
    return { kind, doc, staff, at, updatedAt: at, read: false, times: 1 }
  }
  const summary = (c: Conflict): InboxConflict => ({ id: c.id, kind: c.kind, shifts: [...c.refs.shifts], staff: [...c.refs.staff] })

  const editorsOf = async (tenant: string, c: Conflict): Promise<string[]> => {
    const staff = await Promise.all([...new Set(c.edits.map((e) => e.editorId))].map((sub) => people.staffOf(tenant, sub)))
    return [...new Set(staff.filter((s): s is string => s !== undefined))].sort()
  }

  return {
    /** For the resolver's `onConflicts`: what an examined update created or grew. */
    async conflicts(doc: string, conflicts: readonly Conflict[]): Promise<void> {
      const tenant = docTenant(doc)
      const open = conflicts.filter((c) => c.status === 'open')
      const auto = conflicts.filter((c) => c.status === 'auto_applied')
      const deciders = open.length === 0 ? [] : await people.deciders(tenant)
      await deliver(doc, 'conflict_needs_decision', open.flatMap((c) => deciders.map((staff) => ({
        item: { ...base(doc, staff, 'conflict_needs_decision'), conflict: summary(c) },
        dedupe: `decide\u0000${doc}\u0000${c.id}`,
      }))))
      const resolved: Delivery[] = []
      for (const c of auto) {
        const applied = c.options.find((o) => o.id === c.appliedOptionId)?.label ?? null
        for (const staff of await editorsOf(tenant, c)) {
          resolved.push({ item: { ...base(doc, staff, 'conflict_resolved_automatically'), conflict: { ...summary(c), applied } }, dedupe: `auto\u0000${doc}\u0000${c.id}` })
        }
      }
      await deliver(doc, 'conflict_resolved_automatically', resolved)
    },

    /** For `rooms.onRefused`: the editor learns (durably) which of their changes the server did not keep. */
    async refused(event: RefusedEvent): Promise<void> {
      await people.learn(tenantKey(event.identity.tenant), event.identity, ctx.now())
      const staff = event.identity.staffId
      if (staff === undefined) return
      const refused = event.changes.slice(0, MAX_REFUSED).map((c) => ({ path: c.path, kind: c.kind, reason: c.reason }))
      await deliver(event.doc, 'change_not_accepted', [{ item: { ...base(event.doc, staff, 'change_not_accepted'), seq: event.seq, refused } }])
    },
  }
}
