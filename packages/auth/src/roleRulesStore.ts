import type { RoleRules } from './roleRules.ts'

/** Who changed a team's rules and when (ms since the epoch): kept with the rules, shown by GET and `rota rules show`. */
export interface RoleRulesMeta {
  actor: string
  at: number
}

/** A team's stored rules: the whole document as it was set, with who set it. */
export interface StoredRoleRules extends RoleRulesMeta {
  rules: RoleRules
}

export interface TenantRoleRules extends StoredRoleRules {
  tenant: string
}

/**
 * Where teams' role rules are kept, one entry per tenant; a tenant without one follows the defaults.
 * Implementations: `createMemoryRoleRulesStore` here, a LevelDB one in the CLI (apps/rota). The shared
 * compliance suite (`@rota/auth/role-rules-compliance`) checks both the same way.
 *
 * A store returns what was set, not a view of it: callers may keep or change the objects they get. It does
 * not validate rules (the caller has: `parseRoleRules`) and is not read on the hot path (see RoleRulesCache).
 */
export interface RoleRulesStore {
  get(tenant: string): Promise<StoredRoleRules | undefined>
  /** Replaces the tenant's entry; durable when it resolves. */
  set(tenant: string, rules: RoleRules, meta: RoleRulesMeta): Promise<void>
  /** Removes the tenant's entry (back to the defaults). True when there was one. */
  delete(tenant: string): Promise<boolean>
  /** Every stored entry, by tenant name. */
  list(): Promise<TenantRoleRules[]>
  close(): Promise<void>
}

/** A deep copy, so that no caller holds an object the store keeps. */
const copyStored = (rules: RoleRules, meta: RoleRulesMeta): StoredRoleRules => ({
  rules: { ...rules, selfService: { ...rules.selfService } },
  actor: meta.actor,
  at: meta.at,
})

export const byTenant = (a: { tenant: string }, b: { tenant: string }): number => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0)

/** For tests and servers without a data directory: forgotten on restart. */
export const createMemoryRoleRulesStore = (): RoleRulesStore => {
  const entries = new Map<string, StoredRoleRules>()
  return {
    get: async (tenant) => {
      const entry = entries.get(tenant)
      return entry && copyStored(entry.rules, entry)
    },
    set: async (tenant, rules, meta) => void entries.set(tenant, copyStored(rules, meta)),
    delete: async (tenant) => entries.delete(tenant),
    list: async () => [...entries].map(([tenant, entry]) => ({ tenant, ...copyStored(entry.rules, entry) })).sort(byTenant),
    close: async () => undefined,
  }
}
