import { createPublicKey, type KeyObject } from 'node:crypto'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyOptions, type JWTVerifyGetKey } from 'jose'
import { AuthError, AuthErrorCode } from './errors.ts'
import type { AuthConfig } from './config.ts'

/** Verifies a compact JWT and returns its payload; throws AuthError (MISSING, INVALID, EXPIRED). */
export type TokenVerifier = (token: string) => Promise<Record<string, unknown>>

export const minSecretBytes = 32
/** Longer "tokens" are refused before any parsing. */
export const maxTokenBytes = 16 * 1024
export const defaultClockTolerance = 30

const configError = (message: string): AuthError => new AuthError(AuthErrorCode.Config, message)

/** The algorithm a PEM public key implies. */
const algorithmsOfKey = (key: KeyObject): string[] => {
  const type = key.asymmetricKeyType
  if (type === 'rsa') return ['RS256']
  if (type === 'ed25519') return ['EdDSA']
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve
    if (curve === 'prime256v1') return ['ES256']
    if (curve === 'secp384r1') return ['ES384']
    if (curve === 'secp521r1') return ['ES512']
  }
  throw configError(`unsupported public key type ${type ?? 'unknown'}: use RSA, EC P-256/P-384/P-521 or Ed25519`)
}

const publicKeyFromPem = (pem: string): KeyObject => {
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch (err) {
    throw configError(`the public key is not a PEM public key: ${(err as Error).message}`)
  }
  return key
}

const jwksFromJson = (json: string): JSONWebKeySet => {
  let jwks: unknown
  try {
    jwks = JSON.parse(json)
  } catch (err) {
    throw configError(`the JWKS file is not JSON: ${(err as Error).message}`)
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys) || keys.length === 0) throw configError('the JWKS file needs a non-empty "keys" array')
  // A JWKS is public; a symmetric or private key in it is a mistake that would leak or confuse.
  for (const key of keys as Array<Record<string, unknown>>) {
    if (key.kty === 'oct') throw configError('the JWKS file holds a symmetric (oct) key; use ROTA_AUTH_SECRET for HS256')
    if ('d' in key) throw configError('the JWKS file holds a private key; publish public keys only')
  }
  return jwks as JSONWebKeySet
}

const jwksAlgorithms = (jwks: JSONWebKeySet): string[] => {
  const algs = jwks.keys.map((key) => key.alg)
  if (algs.every((alg): alg is string => typeof alg === 'string')) return [...new Set(algs)]
  return ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA']
}

const failure = (err: unknown): AuthError => {
  const code = (err as { code?: unknown }).code
  if (code === 'ERR_JWT_EXPIRED') return new AuthError(AuthErrorCode.Expired, 'the token has expired', { reason: code })
  const claim = (err as { claim?: unknown }).claim
  const reason = code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'nbf' ? 'the token is not valid yet' : 'the token is not valid'
  return new AuthError(AuthErrorCode.Invalid, reason, {
    reason: typeof code === 'string' ? code : 'ERR_UNKNOWN',
    ...(typeof claim === 'string' ? { claim } : {}),
  })
}

/**
 * Builds the verifier for a configuration that names a key (createAuth handles open mode).
 * Throws ROTA_AUTH_CONFIG for an unusable key, at start, not at the first request.
 */
export const createVerifier = (config: AuthConfig): TokenVerifier => {
  const { secret, publicKeyPem, jwksJson } = config
  if ([secret, publicKeyPem, jwksJson].filter((source) => source !== undefined).length !== 1) {
    throw configError('configure exactly one of secret, publicKeyPem and jwksJson')
  }
  let key: Uint8Array | KeyObject | JWTVerifyGetKey
  let algorithms: string[]
  if (secret !== undefined) {
    key = new TextEncoder().encode(secret)
    if (key.length < minSecretBytes) throw configError(`the HS256 secret must be at least ${minSecretBytes} bytes`)
    algorithms = ['HS256']
  } else if (publicKeyPem !== undefined) {
    key = publicKeyFromPem(publicKeyPem)
    algorithms = algorithmsOfKey(key)
  } else {
    const jwks = jwksFromJson(jwksJson as string)
    key = createLocalJWKSet(jwks)
    algorithms = jwksAlgorithms(jwks)
  }
  const options: JWTVerifyOptions = {
    algorithms: config.algorithms ?? algorithms,
    clockTolerance: config.clockTolerance ?? defaultClockTolerance,
    requiredClaims: config.requireExpiry === false ? ['sub'] : ['sub', 'exp'],
    ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
    ...(config.audience !== undefined ? { audience: config.audience } : {}),
  }
  return async (token) => {
    if (token.length > maxTokenBytes) throw new AuthError(AuthErrorCode.Invalid, 'the token is too long', { reason: 'too long' })
    try {
      // One call per key kind keeps jose's overloads happy.
      const { payload } =
        typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options)
      return payload as Record<string, unknown>
    } catch (err) {
      throw failure(err)
    }
  }
}
