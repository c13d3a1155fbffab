import { defaultRoleRules, ruleAreas, type RoleRules, type SelfService } from './roleRules.ts'
import type { StoredRoleRules } from './roleRulesStore.ts'

/** What GET /api/teams/:tenant/rules and `rota rules show` answer: one shape for both. */
export interface RoleRulesView {
  tenant: string
  /** The effective rules, defaults filled in. */
  rules: RoleRules
  /** True when the effective rules are today's defaults (stored or not). */
  isDefault: boolean
  /** Who last set the team's rules, and when (ISO-8601); null while the team has none stored. */
  updatedBy: string | null
  updatedAt: string | null
}

export const sameRoleRules = (a: RoleRules, b: RoleRules): boolean =>
  ruleAreas.every((area) => a[area] === b[area]) &&
  (Object.keys(defaultRoleRules.selfService) as Array<keyof SelfService>).every((flag) => a.selfService[flag] === b.selfService[flag])

export const roleRulesView = (tenant: string, stored: StoredRoleRules | undefined): RoleRulesView => {
  const rules = stored?.rules ?? defaultRoleRules
  return {
    tenant,
    rules,
    isDefault: sameRoleRules(rules, defaultRoleRules),
    updatedBy: stored?.actor ?? null,
    updatedAt: stored === undefined ? null : new Date(stored.at).toISOString(),
  }
}
