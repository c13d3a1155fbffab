import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Delivery signatures: `Rota-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The time
 * is part of what is signed, so a receiver that refuses old timestamps (5 minutes is the usual tolerance)
 * cannot be fed a recorded delivery again; each attempt is signed at its own time over the same body. `v1` names
 * the scheme; a receiver accepts the header if any v1 value matches (room for a second secret during rotation).
 * docs/webhooks.md has the receiver's side of this, the same few lines as `verifySignature`.
 */
export const SIGNATURE_HEADER = 'rota-signature'
export const ID_HEADER = 'rota-webhook-id'
export const EVENT_HEADER = 'rota-webhook-event'
export const ATTEMPT_HEADER = 'rota-webhook-attempt'

export const MIN_SECRET_LENGTH = 16
export const MAX_SECRET_LENGTH = 256

/** A new endpoint secret: `whsec_` and 32 random bytes, base64url. */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`

const hmac = (secret: string, timestamp: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')

/** The header value for a body sent at `nowMs`. */
export const signatureHeader = (secret: string, body: string, nowMs: number): string => {
  const t = Math.floor(nowMs / 1000)
  return `t=${t},v1=${hmac(secret, t, body)}`
}

/**
 * The receiver's check: the header parses, its time is within `toleranceSeconds` of `nowMs`, and a v1 value
 * equals the HMAC of `<t>.<raw body>` (compared in constant time). The body must be the raw bytes received,
 * before any JSON parsing.
 */
export const verifySignature = (secret: string, body: string, header: string | undefined, nowMs: number, toleranceSeconds = 300): boolean => {
  if (header === undefined) return false
  const parts = header.split(',').map((p) => p.trim().split('='))
  const t = Number(parts.find(([k]) => k === 't')?.[1])
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceSeconds) return false
  const expected = Buffer.from(hmac(secret, t, body), 'hex')
  return parts.some(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v) && timingSafeEqual(Buffer.from(v, 'hex'), expected))
}
