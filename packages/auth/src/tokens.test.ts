import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose'
import { createAuth } from './createAuth.ts'
import { loadAuthConfig } from './config.ts'
import { canRead } from './tenancy.ts'
import { AuthErrorCode } from './errors.ts'

const secret = 'a-shared-secret-that-is-long-enough-for-hs256'
const now = () => Math.floor(Date.now() / 1000)
const claims: JWTPayload = { sub: 'u1', tenant: 'acme', role: 'manager' }

const sign = (payload: JWTPayload, key: CryptoKey | Uint8Array, alg: string, kid?: string) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuedAt()
    .setExpirationTime(typeof payload.exp === 'number' ? payload.exp : now() + 600)
    .sign(key)

const hs = (payload: JWTPayload = claims) => sign(payload, new TextEncoder().encode(secret), 'HS256')

/** Resolves to the error's code, or 'resolved' when the promise did not reject. */
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (err: { code?: string }) => err.code,
  )

let dir: string
let rsa: { publicKey: CryptoKey; privateKey: CryptoKey }
let ec: { publicKey: CryptoKey; privateKey: CryptoKey }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rota-auth-'))
  rsa = await generateKeyPair('RS256', { extractable: true })
  ec = await generateKeyPair('ES256', { extractable: true })
  await writeFile(join(dir, 'rsa.pem'), await exportSPKI(rsa.publicKey))
  await writeFile(join(dir, 'ec.pem'), await exportSPKI(ec.publicKey))
  const jwks = {
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ],
  }
  await writeFile(join(dir, 'jwks.json'), JSON.stringify(jwks))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('HS256 (ROTA_AUTH_SECRET)', () => {
  const auth = () => createAuth(loadAuthConfig({ ROTA_AUTH_SECRET: secret }))

  it('turns a valid token into the identity its claims describe', async () => {
    const a = auth()
    expect(a.isOpen).toBe(false)
    expect(a.mode).toBe('secret')
    const identity = await a.authenticate(await hs({ ...claims, role: 'staff', staffId: 'ana', docs: ['acme/2026-*'] }))
    expect(identity).toEqual({ sub: 'u1', tenant: 'acme', role: 'staff', staffId: 'ana', docs: ['acme/2026-*'] })
  })

  it('accepts an "Authorization: Bearer" value as it comes', async () => {
    expect((await auth().authenticate(`Bearer ${await hs()}`)).sub).toBe('u1')
  })

  it('refuses a missing or empty token with ROTA_AUTH_MISSING', async () => {
    for (const token of [undefined, '', '   ', 'Bearer ']) {
      expect(await codeOf(auth().authenticate(token))).toBe(AuthErrorCode.Missing)
    }
  })

  it('refuses an expired token with ROTA_AUTH_EXPIRED', async () => {
    const token = await hs({ ...claims, exp: now() - 3600 })
    expect(await codeOf(auth().authenticate(token))).toBe(AuthErrorCode.Expired)
  })

  it('tolerates a little clock skew on exp, not more', async () => {
    expect(await codeOf(auth().authenticate(await hs({ ...claims, exp: now() - 5 })))).toBe('resolved')
    expect(await codeOf(auth().authenticate(await hs({ ...claims, exp: now() - 120 })))).toBe(AuthErrorCode.Expired)
  })

  it('refuses a token that is not yet valid (nbf) with ROTA_AUTH_INVALID', async () => {
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setNotBefore(now() + 3600)
      .setExpirationTime(now() + 7200)
      .sign(new TextEncoder().encode(secret))
    const err = await auth().authenticate(token).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: AuthErrorCode.Invalid, details: { claim: 'nbf' } })
  })

  it('refuses a wrong signature, an unsigned token and garbage with ROTA_AUTH_INVALID', async () => {
    const other = await sign(claims, new TextEncoder().encode(`${secret}-but-another`), 'HS256')
    const unsigned = new UnsecuredJWT({ ...claims, exp: now() + 600 }).encode()
    const good = await hs()
    const tampered = good.replace(/\.([^.]+)\./, (_, body: string) => `.${body.slice(0, -2)}AA.`)
    for (const token of [other, unsigned, tampered, 'not-a-jwt', 'a.b.c', 'x'.repeat(20_000)]) {
      expect(await codeOf(auth().authenticate(token))).toBe(AuthErrorCode.Invalid)
    }
  })

  it('refuses a token without exp (unless requireExpiry is off)', async () => {
    const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret))
    expect(await codeOf(auth().authenticate(token))).toBe(AuthErrorCode.Invalid)
    expect(await codeOf(createAuth({ secret, requireExpiry: false }).authenticate(token))).toBe('resolved')
  })

  it('refuses claims that are not Rota’s, naming the claim', async () => {
    const cases: Array<[JWTPayload, string]> = [
      [{ sub: 'u1', role: 'admin' }, 'tenant'],
      [{ ...claims, tenant: 'acme/evil' }, 'tenant'],
      [{ ...claims, tenant: '..' }, 'tenant'],
      [{ ...claims, role: 'root' }, 'role'],
      [{ ...claims, role: 'staff' }, 'staffId'],
      [{ ...claims, docs: 'acme/*' }, 'docs'],
      [{ ...claims, docs: ['acme/***'] }, 'docs'],
      [{ ...claims, sub: '' }, 'sub'],
    ]
    for (const [payload, claim] of cases) {
      const err = await auth().authenticate(await hs(payload)).catch((e: unknown) => e)
      expect(err, claim).toMatchObject({ code: AuthErrorCode.Invalid, details: { claim } })
    }
  })

  it('checks issuer and audience when configured', async () => {
    const a = createAuth({ secret, issuer: 'https://id.example', audience: 'rota' })
    const key = new TextEncoder().encode(secret)
    const good = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://id.example').setAudience('rota').setExpirationTime('10m').sign(key)
    const bad = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://evil.example').setAudience('rota').setExpirationTime('10m').sign(key)
    expect(await codeOf(a.authenticate(good))).toBe('resolved')
    expect(await codeOf(a.authenticate(bad))).toBe(AuthErrorCode.Invalid)
  })
})

describe('RS256 and ES256 (ROTA_AUTH_PUBLIC_KEY, ROTA_AUTH_JWKS)', () => {
  it('verifies RS256 tokens with a PEM file', async () => {
    const auth = createAuth(loadAuthConfig({ ROTA_AUTH_PUBLIC_KEY: join(dir, 'rsa.pem') }))
    expect(auth.mode).toBe('publicKey')
    expect((await auth.authenticate(await sign(claims, rsa.privateKey, 'RS256'))).role).toBe('manager')
    expect(await codeOf(auth.authenticate(await sign(claims, ec.privateKey, 'ES256')))).toBe(AuthErrorCode.Invalid)
  })

  it('verifies ES256 tokens with a PEM file', async () => {
    const auth = createAuth(loadAuthConfig({}, { authPublicKey: join(dir, 'ec.pem') }))
    expect((await auth.authenticate(await sign(claims, ec.privateKey, 'ES256'))).tenant).toBe('acme')
    const expired = await sign({ ...claims, exp: now() - 3600 }, ec.privateKey, 'ES256')
    expect(await codeOf(auth.authenticate(expired))).toBe(AuthErrorCode.Expired)
  })

  it('refuses an HS256 token signed with the public key as secret (algorithm confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey)
    const auth = createAuth({ publicKeyPem: pem })
    const forged = await sign(claims, new TextEncoder().encode(pem), 'HS256')
    expect(await codeOf(auth.authenticate(forged))).toBe(AuthErrorCode.Invalid)
  })

  it('verifies RS256 and ES256 tokens with a JWKS file, picking the key by kid', async () => {
    const auth = createAuth(loadAuthConfig({ ROTA_AUTH_JWKS: join(dir, 'jwks.json') }))
    expect(auth.mode).toBe('jwks')
    expect((await auth.authenticate(await sign(claims, rsa.privateKey, 'RS256', 'rsa-1'))).sub).toBe('u1')
    expect((await auth.authenticate(await sign(claims, ec.privateKey, 'ES256', 'ec-1'))).sub).toBe('u1')
    const stranger = await generateKeyPair('ES256')
    expect(await codeOf(auth.authenticate(await sign(claims, stranger.privateKey, 'ES256', 'ec-1')))).toBe(AuthErrorCode.Invalid)
    expect(await codeOf(auth.authenticate(await sign(claims, ec.privateKey, 'ES256', 'nope')))).toBe(AuthErrorCode.Invalid)
  })
})

describe('configuration', () => {
  it('runs open without a key: everyone is an anonymous admin', async () => {
    const auth = createAuth(loadAuthConfig({}))
    expect(auth.isOpen).toBe(true)
    expect(await auth.authenticate(undefined)).toEqual({ sub: 'anonymous', tenant: null, role: 'admin' })
  })

  it('refuses unusable configurations with ROTA_AUTH_CONFIG', async () => {
    const attempts: Array<() => unknown> = [
      () => createAuth({ secret: 'short' }),
      () => loadAuthConfig({ ROTA_AUTH_SECRET: secret, ROTA_AUTH_JWKS: join(dir, 'jwks.json') }),
      () => loadAuthConfig({ ROTA_AUTH_PUBLIC_KEY: join(dir, 'missing.pem') }),
      () => createAuth({ publicKeyPem: 'not a pem' }),
      () => createAuth({ jwksJson: '{"keys":[]}' }),
      () => createAuth({ jwksJson: JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }) }),
      () => createAuth({ jwksJson: 'nope' }),
    ]
    for (const attempt of attempts) expect(attempt).toThrow(expect.objectContaining({ code: AuthErrorCode.Config }))
  })

  it('reads issuer, audience and the public-open switch; flags win over the environment', () => {
    const settings = loadAuthConfig(
      { ROTA_AUTH_SECRET: 'from-env', ROTA_AUTH_ISSUER: 'iss', ROTA_AUTH_AUDIENCE: 'aud', ROTA_AUTH_ALLOW_PUBLIC_OPEN: '1' },
      { authSecret: secret },
    )
    expect(settings).toEqual({ secret, issuer: 'iss', audience: 'aud', allowPublicOpen: true })
  })
})

describe('wrong tenant', () => {
  it('a valid token for one tenant cannot read another tenant’s documents', async () => {
    const identity = await createAuth({ secret }).authenticate(await hs({ ...claims, tenant: 'beta' }))
    expect(canRead(identity, 'beta/w48')).toBe(true)
    expect(canRead(identity, 'acme/w48')).toBe(false)
  })
})
