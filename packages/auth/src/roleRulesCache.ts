import { defaultRoleRules, parseRoleRules, type RoleRules } from './roleRules.ts'
import type { RoleRulesMeta, RoleRulesStore, StoredRoleRules } from './roleRulesStore.ts'

/** What `createAuth` asks for a team's rules: synchronous, since it is asked while an update is judged. */
export interface RoleRulesSource {
  /** The team's effective rules; the defaults for a team without its own and for tenant-less identities (null). */
  get(tenant: string | null): RoleRules
}

/**
 * Every team's rules in memory, in front of a `RoleRulesStore`: loaded once at start, then changed only
 * through `set` and `delete`, which write the store first. So `get` never awaits, and what it answers is
 * always durable. One process owns the store (LevelDB locks its directory); a second writer would not be seen.
 */
export interface RoleRulesCache extends RoleRulesSource {
  /** The team's stored entry (effective rules, who set them, when), or undefined when it follows the defaults. */
  entry(tenant: string): StoredRoleRules | undefined
  /** Stores the team's rules (already validated: `parseRoleRules`), then serves them. */
  set(tenant: string, rules: RoleRules, meta: RoleRulesMeta): Promise<StoredRoleRules>
  /** Drops the team's rules (back to the defaults). True when it had its own. */
  delete(tenant: string): Promise<boolean>
}

const frozen = (rules: RoleRules): RoleRules => Object.freeze({ ...rules, selfService: Object.freeze({ ...rules.selfService }) })

/**
 * Stored rules as this version reads them: areas added since they were written take today's defaults.
 * Stored rules this version cannot read make loading fail rather than fall back to the defaults, which may
 * allow more than the team chose.
 */
const readable = (stored: StoredRoleRules): StoredRoleRules =>
  Object.freeze({ rules: frozen(parseRoleRules(stored.rules)), actor: stored.actor, at: stored.at })

export const loadRoleRulesCache = async (store: RoleRulesStore): Promise<RoleRulesCache> => {
  const entries = new Map<string, StoredRoleRules>()
  for (const { tenant, ...stored } of await store.list()) entries.set(tenant, readable(stored))
  // Writes go one at a time: two racing writes could otherwise reach the store in one order and the map in the other.
  let writes: Promise<unknown> = Promise.resolve()
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = writes.then(fn, fn)
    writes = run.catch(() => undefined)
    return run
  }
  return {
    get: (tenant) => (tenant === null ? undefined : entries.get(tenant)?.rules) ?? defaultRoleRules,
    entry: (tenant) => entries.get(tenant),
    set: (tenant, rules, meta) =>
      serially(async () => {
        const entry = readable({ rules, actor: meta.actor, at: meta.at })
        await store.set(tenant, entry.rules, meta)
        entries.set(tenant, entry)
        return entry
      }),
    delete: (tenant) =>
      serially(async () => {
        const had = await store.delete(tenant)
        entries.delete(tenant)
        return had
      }),
  }
}
