import { canAdmin, isRole } from '@rota/auth'
import type { Identity } from '@rota/server'
import { key, prefixOf, type KeyValue } from './kv.ts'

/**
 * Who is who, per tenant, as the server has seen them: a token's `sub` (what the log and the resolver name
 * an editor by) and the staff record it names (`staffId`, what an inbox is addressed to), with the role it
 * last came with. Learned from the tokens that use the publishing routes (the web app asks for its unread
 * count whenever it opens a schedule) and from refused changes; stored durably beside the inboxes. It is
 * what "a conflict involving your edit" and "a conflict needs your decision" are addressed by: a person the
 * server has never seen with a staffId cannot be told (docs/publishing.md, "The inbox").
 */
interface Person {
  sub: string
  staff: string
  role: string
  /** ISO-8601: when the pair or its role was first seen as it is now. */
  since: string
}

export interface People {
  /** Remembers the token's person, if it names one; writes only when something changed. */
  learn(tenant: string, identity: Identity, now: number): Promise<void>
  /** The staff id a token `sub` of the tenant names, if known. */
  staffOf(tenant: string, sub: string): Promise<string | undefined>
  /** Staff ids of the tenant's people whose last role may decide conflicts. */
  deciders(tenant: string): Promise<string[]>
}

/** Largest directory a read of deciders scans. */
const MAX_PEOPLE_SCAN = 5000

/**
 * `mayDecide`: whether a person may decide conflicts, asked as the conflicts API asks (the server's
 * `hooks.canAdmin(identity, 'conflicts')`); by default @rota/auth's rule (lead and up).
 */
export const createPeople = (kv: KeyValue, mayDecide: (who: Identity) => boolean = (who) => canAdmin(who, 'conflicts')): People => {
  // A person as the identity they last came with ('' is the key of no tenant, publishing's tenantKey).
  const decides = (tenant: string, person: Person): boolean =>
    isRole(person.role) && mayDecide({ sub: person.sub, tenant: tenant === '' ? null : tenant, role: person.role, staffId: person.staff })
  // What was last written per tenant and sub, so a request that changes nothing costs no write.
  const written = new Map<string, string>()
  const read = async (tenant: string, sub: string): Promise<Person | undefined> => {
    const raw = await kv.get(key('who', tenant, sub))
    return raw === undefined ? undefined : (JSON.parse(raw) as Person)
  }
  return {
    async learn(tenant, identity, now) {
      if (identity.staffId === undefined) return
      const cacheKey = key(tenant, identity.sub)
      const signature = `${identity.staffId}\u0000${identity.role}`
      if (written.get(cacheKey) === signature) return
      const known = await read(tenant, identity.sub)
      if (known === undefined || known.staff !== identity.staffId || known.role !== identity.role) {
        const person: Person = { sub: identity.sub, staff: identity.staffId, role: identity.role, since: new Date(now).toISOString() }
        await kv.batch([[key('who', tenant, identity.sub), JSON.stringify(person)]])
      }
      if (written.size >= 10_000) written.clear()
      written.set(cacheKey, signature)
    },
    staffOf: async (tenant, sub) => (await read(tenant, sub))?.staff,
    async deciders(tenant) {
      const people = (await kv.values(prefixOf('who', tenant), { limit: MAX_PEOPLE_SCAN })).map((raw) => JSON.parse(raw) as Person)
      return [...new Set(people.filter((p) => decides(tenant, p)).map((p) => p.staff))].sort()
    },
  }
}
