import { defaultRoleRules } from '@rota/auth'
import type { Identity, ServerHooks } from './types.ts'

/** Without auth the server runs open: everyone is an anonymous admin (development). */
export const anonymousAdmin: Identity = Object.freeze({ sub: 'anonymous', tenant: null, role: 'admin' })

export const openHooks: ServerHooks = {
  authenticate: async () => anonymousAdmin,
  canRead: () => true,
  listPrefix: () => undefined,
  authorizeChanges: (_identity, _facts, changes) => changes.map(() => ({ ok: true })),
  authorizeOps: () => ({ ok: true }),
  canAdmin: () => true,
  roleRules: () => defaultRoleRules,
}

/** Fills the hooks an implementation leaves out with the open defaults. */
export const resolveHooks = (hooks: Partial<ServerHooks> = {}): ServerHooks => {
  const resolved: ServerHooks = { ...openHooks }
  for (const name of Object.keys(openHooks) as Array<keyof ServerHooks>) {
    const hook = hooks[name]
    // Bind so class-based implementations keep their `this`.
    if (typeof hook === 'function') Object.assign(resolved, { [name]: hook.bind(hooks) })
  }
  return resolved
}
