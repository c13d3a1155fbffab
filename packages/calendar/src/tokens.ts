import { createHash, randomBytes } from 'node:crypto'

/**
 * Feed tokens: 32 random bytes, base64url (43 characters). The URL is the secret (calendar apps cannot send
 * a bearer), so the store keeps only its SHA-256: a copy of the store does not give anyone a working URL.
 * A plain hash, not a slow one, is enough because the token is 256 random bits, not a password.
 */
export const newFeedToken = (): string => randomBytes(32).toString('base64url')

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

/** The shape of a token, checked before any lookup. */
export const isFeedToken = (text: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(text)
