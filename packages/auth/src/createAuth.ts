import { AuthError, AuthErrorCode } from './errors.ts'
import { authorizeOps, authorizeUpdate, canAdmin } from './authorize.ts'
import { identityFromClaims } from './claims.ts'
import { canRead, listPrefix } from './tenancy.ts'
import { createVerifier } from './tokens.ts'
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

const bearer = /^\s*bearer(\s+|$)/i

const modeOf = (config: AuthConfig): AuthMode =>
  config.secret !== undefined ? 'secret' : config.publicKeyPem !== undefined ? 'publicKey' : config.jwksJson !== undefined ? 'jwks' : 'open'

/**
 * The server's auth hooks. With a key (`secret`, `publicKeyPem` or `jwksJson`) every caller needs a valid
 * JWT whose claims are `sub`, `tenant`, `role`, optional `staffId` and `docs`; without one the hooks run
 * open. Throws ROTA_AUTH_CONFIG for an unusable configuration.
 */
export const createAuth = (config: AuthConfig = {}): RotaAuth => {
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
    authorizeUpdate,
    authorizeOps,
    canAdmin,
  }
}
