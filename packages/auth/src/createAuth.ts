import { AuthError, AuthErrorCode } from './errors.ts'
import { authorizeOps, canAdmin } from './authorize.ts'
import { judgeEach } from './policy.ts'
import { tenantOf } from './docName.ts'
import { identityFromClaims } from './claims.ts'
import { canRead, listPrefix } from './tenancy.ts'
import { createVerifier } from './tokens.ts'
import { defaultRoleRules } from './roleRules.ts'
import type { RoleRulesSource } from './roleRulesCache.ts'
import type { AuthConfig } from './config.ts'
import type { AuthHooks, Identity } from './types.ts'

/** Everyone's identity in open (dev) mode. */
export const anonymousIdentity: Identity = Object.freeze({ sub: 'anonymous', tenant: null, role: 'admin' })

export type AuthMode = 'open' | 'secret' | 'publicKey' | 'jwks'

export interface RotaAuth extends AuthHooks {
  /** True without any key: every caller is an anonymous admin. The CLI warns and binds to loopback only. */
  readonly isOpen: boolean
  readonly mode: AuthMode
}

export interface AuthOptions {
  /** Each team's role rules (a `RoleRulesCache` in `rota serve`); without it every team has the defaults. */
  rules?: RoleRulesSource
}

const bearer = /^\s*bearer(\s+|$)/i

const modeOf = (config: AuthConfig): AuthMode =>
  config.secret !== undefined ? 'secret' : config.publicKeyPem !== undefined ? 'publicKey' : config.jwksJson !== undefined ? 'jwks' : 'open'

/**
 * The server's auth hooks. With a key (`secret`, `publicKeyPem` or `jwksJson`) every caller needs a valid
 * JWT whose claims are `sub`, `tenant`, `role`, optional `staffId` and `docs`; without one the hooks run
 * open. Throws ROTA_AUTH_CONFIG for an unusable configuration. `options.rules` hands out each team's role
 * rules (`roleRules`).
 */
export const createAuth = (config: AuthConfig = {}, options: AuthOptions = {}): RotaAuth => {
  const source = options.rules
  // A tenant-less identity (every tenant) is judged by the rules of the document's team.
  const rulesOf = (identity: Identity, doc?: string) => source?.get(identity.tenant ?? (doc === undefined ? null : tenantOf(doc))) ?? defaultRoleRules
  const mode = modeOf(config)
  const verify = mode === 'open' ? undefined : createVerifier(config)
  return {
    isOpen: verify === undefined,
    mode,
    async authenticate(token) {
      if (verify === undefined) return anonymousIdentity
      const compact = token?.replace(bearer, '').trim()
      if (compact === undefined || compact === '') throw new AuthError(AuthErrorCode.Missing, 'a token is required')
      return identityFromClaims(await verify(compact))
    },
    canRead,
    listPrefix,
    authorizeChanges: (identity, facts, changes, doc) => judgeEach(identity, facts, changes, rulesOf(identity, doc)),
    authorizeOps: (identity, doc, ops) => authorizeOps(identity, doc, ops, rulesOf(identity)),
    canAdmin,
    roleRules: (identity) => rulesOf(identity),
  }
}
