import type { PublishEvent } from '@rota/publish'
import { newEventId } from './ids.ts'
import { isEventType, type WebhookEvent } from './types.ts'

/**
 * Publishing's events as webhook events: a publication is `publication.created` (the record and the staff
 * ids with changes; the receipts themselves are one REST call away, and can be large), each inbox item is
 * `inbox.<kind>` with the item. Inbox kinds the catalogue does not list yet are not sent (no one could have
 * subscribed to them). Events of documents without a tenant have no tenant to deliver to.
 */
export const webhookEventsOf = (event: PublishEvent, now: number): WebhookEvent[] => {
  if (event.tenant === '') return []
  const createdAt = new Date(now).toISOString()
  if (event.type === 'publication') {
    const data = { publication: event.publication, staff: event.receipts.map((r) => r.staff) }
    return [{ id: newEventId(now), type: 'publication.created', tenant: event.tenant, createdAt, data }]
  }
  return event.items.flatMap((item) => {
    const type = `inbox.${item.kind}`
    return isEventType(type) ? [{ id: newEventId(now), type, tenant: event.tenant, createdAt, data: { item } }] : []
  })
}
