import type { FastifyBaseLogger as Logger } from 'fastify'
import { createTokenBucket, type TokenBucket } from '@rota/auth'

/** Lines one address may cause in a burst, then the sustained rate (one every 5 s). */
export const clientLogBurst = 20
export const clientLogPerSecond = 0.2
/** Addresses remembered at once; the one seen first is forgotten first. */
const maxAddresses = 10_000

/** Logs one client mistake: the remote address, context fields, the message. */
export type ClientLog = (address: string, fields: Record<string, unknown>, message: string) => void

/**
 * Client mistakes (refused connections, malformed frames, bad compressed data) are the client's problem,
 * not the server's: they are logged at info, and at most `clientLogBurst` lines per address and then
 * `clientLogPerSecond`, so a client repeating a mistake in a loop cannot flood the logs or the disk under
 * them. The first line after a pause says how many were left out (`suppressed`); metrics count every one.
 */
export const createClientLog = (logger: Logger, now: () => number = Date.now): ClientLog => {
  const seen = new Map<string, { bucket: TokenBucket; suppressed: number }>()
  return (address, fields, message) => {
    let entry = seen.get(address)
    if (entry === undefined) {
      if (seen.size >= maxAddresses) seen.delete(seen.keys().next().value as string)
      entry = { bucket: createTokenBucket({ perSecond: clientLogPerSecond, burst: clientLogBurst }, now()), suppressed: 0 }
      seen.set(address, entry)
    }
    if (!entry.bucket.take(now())) {
      entry.suppressed += 1
      return
    }
    const { suppressed } = entry
    entry.suppressed = 0
    logger.info({ ...fields, address, ...(suppressed > 0 ? { suppressed } : {}) }, message)
  }
}
