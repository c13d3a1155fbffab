import { createLocks } from '@rota/server'
import { counterPart, key, prefixOf, type KeyValue } from './kv.ts'
import { defaultPublishSettings, type Publication, type PublicationId, type PublishSettings, type Receipt } from './types.ts'

/**
 * Publications, their per-person receipts and the teams' publishing settings. A publication and all its
 * receipts are written in one batch: a crash leaves either all of them or none. Receipts are kept twice,
 * by publication (the publisher's view) and by person ("my shifts"), so each read is one range scan.
 */
export interface PublicationStore {
  /** Stores a publication made by `make` with the document's next id, and its receipts, atomically. */
  add(doc: string, make: (id: PublicationId) => { publication: Publication; receipts: Receipt[] }): Promise<Publication>
  /** Newest first. */
  list(doc: string, limit?: number): Promise<Publication[]>
  get(doc: string, id: string): Promise<Publication | undefined>
  receiptsOf(doc: string, id: PublicationId): Promise<Receipt[]>
  /** A person's receipts, newest first. */
  receiptsFor(doc: string, staff: string, limit?: number): Promise<Receipt[]>
  settings(tenant: string): Promise<PublishSettings>
  putSettings(tenant: string, settings: PublishSettings): Promise<void>
}

const numberOf = (id: string): number | undefined => {
  const match = /^pub_([1-9]\d{0,11})$/.exec(id)
  return match ? Number(match[1]) : undefined
}

const parse = <T>(raw: string): T => JSON.parse(raw) as T

export const createPublicationStore = (kv: KeyValue): PublicationStore => {
  const locked = createLocks()
  return {
    add: (doc, make) => locked(doc, async () => {
      const [last] = await kv.values(prefixOf('pub', doc), { reverse: true, limit: 1 })
      const n = last === undefined ? 1 : (numberOf(parse<Publication>(last).id) ?? 0) + 1
      const { publication, receipts } = make(`pub_${n}` as PublicationId)
      const puts: Array<[string, string]> = [[key('pub', doc, counterPart(n)), JSON.stringify(publication)]]
      for (const r of receipts) {
        const json = JSON.stringify(r)
        puts.push([key('rcpt', doc, counterPart(n), r.staff), json], [key('mine', doc, r.staff, counterPart(n)), json])
      }
      await kv.batch(puts)
      return publication
    }),
    list: async (doc, limit) => (await kv.values(prefixOf('pub', doc), { reverse: true, ...(limit === undefined ? {} : { limit }) })).map(parse<Publication>),
    get: async (doc, id) => {
      const n = numberOf(id)
      if (n === undefined) return undefined
      const raw = await kv.get(key('pub', doc, counterPart(n)))
      return raw === undefined ? undefined : parse<Publication>(raw)
    },
    receiptsOf: async (doc, id) => {
      const n = numberOf(id)
      return n === undefined ? [] : (await kv.values(prefixOf('rcpt', doc, counterPart(n)))).map(parse<Receipt>)
    },
    receiptsFor: async (doc, staff, limit) =>
      (await kv.values(prefixOf('mine', doc, staff), { reverse: true, ...(limit === undefined ? {} : { limit }) })).map(parse<Receipt>),
    settings: async (tenant) => {
      const raw = await kv.get(key('settings', tenant))
      return raw === undefined ? defaultPublishSettings : { ...defaultPublishSettings, ...parse<PublishSettings>(raw) }
    },
    putSettings: (tenant, settings) => kv.batch([[key('settings', tenant), JSON.stringify(settings)]]),
  }
}
