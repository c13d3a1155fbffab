import { describe, expect, it } from 'vitest'
import { observeStores, type PublishEvent } from './events.ts'
import { createInboxStore } from './inbox.ts'
import { createMemoryKeyValue } from './kv.ts'
import { createPublicationStore } from './store.ts'
import type { Publication, PublicationId } from './types.ts'

const at = '2026-02-20T12:00:00.000Z'
const publicationOf = (id: PublicationId): Publication => ({
  id, doc: 'acme/w10', seq: 3, range: { from: '2026-03-02', to: '2026-03-08' }, by: 'maria', role: 'manager', at, note: null, confirmedConflicts: [], people: 1,
})

const stores = () => {
  const kv = createMemoryKeyValue()
  return { publications: createPublicationStore(kv), inbox: createInboxStore(kv) }
}

describe('publishing\'s events (the onEvent hook)', () => {
  it('[E1] reports a publication with its receipts and written inbox items, after they are stored', async () => {
    const events: PublishEvent[] = []
    const raw = stores()
    const observed = observeStores(raw, (doc) => doc.split('/')[0] as string, async (e) => {
      // The write it reports is visible to the listener.
      if (e.type === 'publication') expect(await raw.publications.get(e.publication.doc, e.publication.id)).toEqual(e.publication)
      events.push(e)
    }, () => undefined)
    await observed.publications.add('acme/w10', (id) => ({ publication: publicationOf(id), receipts: [{ publication: id, doc: 'acme/w10', staff: 'ana', at, changes: [] }] }))
    const [item] = await observed.inbox.deliver('acme', [{ item: { kind: 'published', doc: 'acme/w10', staff: 'ana', at, updatedAt: at, read: false, publication: 'pub_1' as PublicationId, changes: [] } }])
    await observed.inbox.deliver('acme', [])
    expect(events).toEqual([
      { type: 'publication', tenant: 'acme', publication: publicationOf('pub_1' as PublicationId), receipts: [{ publication: 'pub_1', doc: 'acme/w10', staff: 'ana', at, changes: [] }] },
      { type: 'inbox', tenant: 'acme', items: [item] },
    ])
  })

  it('[E2] a failing listener is reported to onError and never fails the write', async () => {
    const errors: unknown[] = []
    const raw = stores()
    const observed = observeStores(raw, () => 'acme', () => {
      throw new Error('listener down')
    }, (err) => errors.push(err))
    const made = await observed.publications.add('acme/w10', (id) => ({ publication: publicationOf(id), receipts: [] }))
    expect(made.id).toBe('pub_1')
    expect(await raw.publications.list('acme/w10')).toHaveLength(1)
    expect(errors.map((e) => (e as Error).message)).toEqual(['listener down'])
  })
})
