import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { newSecret, signatureHeader, verifySignature } from './signature.ts'

const NOW = Date.UTC(2026, 1, 20, 12, 0)

describe('delivery signatures (HMAC-SHA256 over "<t>.<body>")', () => {
  it('[S1] what is signed verifies, at any time within the tolerance', () => {
    fc.assert(fc.property(fc.string({ minLength: 16, maxLength: 64 }), fc.string(), fc.integer({ min: -300, max: 300 }), (secret, body, skew) => {
      const header = signatureHeader(secret, body, NOW)
      expect(verifySignature(secret, body, header, NOW + skew * 1000)).toBe(true)
    }))
  })

  it('[S2] another body, another secret, an old timestamp or a mangled header does not', () => {
    fc.assert(fc.property(fc.string({ minLength: 16, maxLength: 64 }), fc.string(), fc.string({ minLength: 1 }), (secret, body, extra) => {
      const header = signatureHeader(secret, body, NOW)
      expect(verifySignature(secret, body + extra, header, NOW)).toBe(false)
      expect(verifySignature(`${secret}x`, body, header, NOW)).toBe(false)
      expect(verifySignature(secret, body, header, NOW + 301_000)).toBe(false)
      expect(verifySignature(secret, body, header.replace(/v1=../, 'v1=zz'), NOW)).toBe(false)
      expect(verifySignature(secret, body, undefined, NOW)).toBe(false)
    }))
  })

  it('[S3] pins the format: t in seconds, v1 the hex HMAC of "<t>.<body>"', () => {
    // Computed independently: printf '%s' '1771588800.{"a":1}' | openssl dgst -sha256 -hmac whsec_test_secret_0123
    expect(signatureHeader('whsec_test_secret_0123', '{"a":1}', 1_771_588_800_123)).toBe(
      't=1771588800,v1=7fa6510fb26abfe92c6c4ca5bc34527a23b20c8d6c8371e63e8a961a12c17259',
    )
  })

  it('[S4] new secrets are whsec_ and 32 random bytes', () => {
    const a = newSecret()
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/)
    expect(newSecret()).not.toBe(a)
  })
})

