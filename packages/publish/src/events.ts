import type { InboxStore } from './inbox.ts'
import type { PublicationStore } from './store.ts'
import type { InboxItem, Publication, Receipt } from './types.ts'

/**
 * What publishing tells other systems (@rota/webhooks): a publication once it and its receipts are stored, and
 * inbox items once they are written (new or updated). `tenant` is the tenant key of the document ('' without one).
 */
export type PublishEvent =
  | { type: 'publication'; tenant: string; publication: Publication; receipts: Receipt[] }
  | { type: 'inbox'; tenant: string; items: InboxItem[] }

/** Awaited after the write it reports, so a durable listener (an outbox) holds the event before the route answers. */
export type PublishListener = (event: PublishEvent) => void | Promise<void>

/**
 * The stores, reporting what they wrote to `listener`. Decorating the two stores (rather than the places that
 * call them) means every publication and every inbox item is reported, whoever delivers it. A listener's
 * failure is logged through `onError` and never fails the publication or the delivery it reports.
 */
export const observeStores = (
  stores: { publications: PublicationStore; inbox: InboxStore },
  tenantOfDoc: (doc: string) => string,
  listener: PublishListener,
  onError: (err: unknown) => void,
): { publications: PublicationStore; inbox: InboxStore } => {
  const tell = async (event: PublishEvent): Promise<void> => {
    try {
      await listener(event)
    } catch (err) {
      onError(err)
    }
  }
  return {
    publications: {
      ...stores.publications,
      add: async (doc, make) => {
        let receipts: Receipt[] = []
        const publication = await stores.publications.add(doc, (id) => {
          const made = make(id)
          receipts = made.receipts
          return made
        })
        await tell({ type: 'publication', tenant: tenantOfDoc(doc), publication, receipts })
        return publication
      },
    },
    inbox: {
      ...stores.inbox,
      deliver: async (tenant, items) => {
        const written = await stores.inbox.deliver(tenant, items)
        if (written.length > 0) await tell({ type: 'inbox', tenant, items: written })
        return written
      },
    },
  }
}
