/**
 * Minting tokens for development and tests (`rota token`): an HS256 token from the same secret the
 * server verifies with. Claims go through `identityFromClaims` first, so that a token the server would
 * refuse (a staff token without a staffId, a bad tenant) is refused here, with the same message.
 * Production tokens come from the team's identity provider; with a public key or JWKS there is no
 * secret to sign with, and minting refuses.
 */
import { SignJWT } from 'jose'
import { identityFromClaims } from './claims.ts'
import { AuthError, AuthErrorCode } from './errors.ts'
import { minSecretBytes } from './tokens.ts'
import type { AuthSettings } from './config.ts'
import type { Identity } from './types.ts'

/** `90s`, `30m`, `1h`, `7d`: how long a minted token lasts. */
export const parseDuration = (text: string): number => {
  const match = /^(\d+)(s|m|h|d)$/.exec(text)
  const seconds = { s: 1, m: 60, h: 3600, d: 86_400 }
  if (match === null || Number(match[1]) === 0) {
    throw new AuthError(AuthErrorCode.Config, `expiry "${text}" is not a duration such as 90s, 30m, 1h or 7d`)
  }
  return Number(match[1]) * seconds[match[2] as keyof typeof seconds]
}

export interface MintOptions {
  /** Seconds until it expires. */
  expiresIn: number
  /** Seconds since the epoch; defaults to now (tests pass their own). */
  now?: number
}

export const mintToken = async (settings: AuthSettings, claims: Partial<Identity>, options: MintOptions): Promise<string> => {
  if (settings.secret === undefined) {
    throw new AuthError(
      AuthErrorCode.Config,
      'minting needs the HS256 secret (--auth-secret or ROTA_AUTH_SECRET); with a public key or JWKS, tokens come from your identity provider',
    )
  }
  const key = new TextEncoder().encode(settings.secret)
  if (key.length < minSecretBytes) throw new AuthError(AuthErrorCode.Config, `the HS256 secret must be at least ${minSecretBytes} bytes`)
  const identity = identityFromClaims({ tenant: null, ...claims })
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const jwt = new SignJWT({ ...identity }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + options.expiresIn)
  if (settings.issuer !== undefined) jwt.setIssuer(settings.issuer)
  if (settings.audience !== undefined) jwt.setAudience(settings.audience)
  return jwt.sign(key)
}
