import { readFileSync } from 'node:fs'
import { AuthError, AuthErrorCode } from './errors.ts'

/** What `createAuth` needs. At most one of `secret`, `publicKeyPem`, `jwksJson`; none = open (dev) mode. */
export interface AuthConfig {
  /** HS256 shared secret, at least 32 bytes. */
  secret?: string
  /** A public key in PEM (SPKI, or an X.509 certificate): RSA → RS256, EC P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA. */
  publicKeyPem?: string
  /** A JWKS document (`{ "keys": [...] }`) as JSON text; the token's `kid`/`alg` pick the key. */
  jwksJson?: string
  /** Accepted `alg` values; defaults follow from the key (above). */
  algorithms?: string[]
  /** Clock skew tolerated for `exp` and `nbf`, in seconds (or a jose duration like '30s'). Default 30. */
  clockTolerance?: number | string
  /** When set, the token's `iss` must equal it. */
  issuer?: string
  /** When set, the token's `aud` must contain it. */
  audience?: string
  /** Refuse tokens without `exp`. Default true. */
  requireExpiry?: boolean
}

/** `AuthConfig` plus the one switch that belongs to binding, not verifying. */
export interface AuthSettings extends AuthConfig {
  /** Open mode may listen on non-loopback addresses (see assertBindAllowed). */
  allowPublicOpen: boolean
}

/** The CLI flags that mirror the environment variables (flags win). */
export interface AuthFlags {
  authSecret?: string
  /** Path of a PEM file. */
  authPublicKey?: string
  /** Path of a JWKS file. */
  authJwks?: string
  authIssuer?: string
  authAudience?: string
  allowPublicOpen?: boolean
}

const readKeyFile = (path: string, what: string): string => {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new AuthError(AuthErrorCode.Config, `cannot read the ${what} file ${path}: ${(err as Error).message}`, { path })
  }
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value)

const truthy = (value: string | undefined): boolean => value !== undefined && ['1', 'true', 'yes'].includes(value.toLowerCase())

/**
 * Reads the auth configuration: ROTA_AUTH_SECRET (HS256 secret), ROTA_AUTH_PUBLIC_KEY (path of a PEM file),
 * ROTA_AUTH_JWKS (path of a JWKS file), ROTA_AUTH_ISSUER, ROTA_AUTH_AUDIENCE, ROTA_AUTH_ALLOW_PUBLIC_OPEN,
 * each overridable by the CLI flag of the same meaning. Key files are read now, so a typo fails at start.
 * Throws ROTA_AUTH_CONFIG for an unreadable file or more than one key source.
 */
export const loadAuthConfig = (env: Record<string, string | undefined> = process.env, flags: AuthFlags = {}): AuthSettings => {
  const secret = nonEmpty(flags.authSecret ?? env.ROTA_AUTH_SECRET)
  const publicKeyPath = nonEmpty(flags.authPublicKey ?? env.ROTA_AUTH_PUBLIC_KEY)
  const jwksPath = nonEmpty(flags.authJwks ?? env.ROTA_AUTH_JWKS)
  const sources = [secret, publicKeyPath, jwksPath].filter((source) => source !== undefined)
  if (sources.length > 1) {
    throw new AuthError(AuthErrorCode.Config, 'configure one of ROTA_AUTH_SECRET, ROTA_AUTH_PUBLIC_KEY and ROTA_AUTH_JWKS, not several')
  }
  const settings: AuthSettings = { allowPublicOpen: flags.allowPublicOpen ?? truthy(env.ROTA_AUTH_ALLOW_PUBLIC_OPEN) }
  if (secret !== undefined) settings.secret = secret
  if (publicKeyPath !== undefined) settings.publicKeyPem = readKeyFile(publicKeyPath, 'public key')
  if (jwksPath !== undefined) settings.jwksJson = readKeyFile(jwksPath, 'JWKS')
  const issuer = nonEmpty(flags.authIssuer ?? env.ROTA_AUTH_ISSUER)
  const audience = nonEmpty(flags.authAudience ?? env.ROTA_AUTH_AUDIENCE)
  if (issuer !== undefined) settings.issuer = issuer
  if (audience !== undefined) settings.audience = audience
  return settings
}
