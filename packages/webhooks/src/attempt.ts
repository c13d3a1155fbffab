import { disables, givesUp, retryDelay, type RetryPolicy } from './policy.ts'
import type { SendResult } from './send.ts'
import type { Attempt, Delivery, StoredEndpoint } from './types.ts'

/** Attempts kept in a delivery's record (a 24-hour window holds about 30). */
const MAX_ATTEMPTS_KEPT = 50

export interface Outcome {
  delivery: Delivery
  endpoint: StoredEndpoint
  kind: 'delivered' | 'retry' | 'failed'
  /** This failure disabled the endpoint. */
  disabled: boolean
}

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * What an attempt's result makes of the delivery and its endpoint: a pure function of both, the result, the
 * time and the policy (the dispatcher saves the two records in one batch). A success clears the endpoint's
 * failure streak; a failure extends it, schedules the next attempt or gives up after the retry window, and may
 * disable the endpoint, which pauses the delivery instead of scheduling it.
 */
export const outcomeOf = (
  delivery: Delivery, endpoint: StoredEndpoint, result: SendResult, startedAt: number, now: number, ms: number, policy: RetryPolicy,
  random: () => number = Math.random,
): Outcome => {
  const ok = result.status !== null && result.status >= 200 && result.status < 300
  const windowStart = delivery.windowStart ?? startedAt
  const error = ok ? null : (result.error ?? `HTTP ${result.status}`)
  const attempt: Attempt = { at: iso(startedAt), status: result.status, ok, error, ms }
  const attempts = [...delivery.attempts, attempt].slice(-MAX_ATTEMPTS_KEPT)
  const attemptCount = delivery.attemptCount + 1
  if (ok) {
    return {
      kind: 'delivered', disabled: false,
      delivery: { ...delivery, status: 'delivered', windowStart, nextAt: null, deliveredAt: iso(now), attempts, attemptCount },
      endpoint: { ...endpoint, consecutiveFailures: 0, failingSince: null, lastSuccessAt: iso(now) },
    }
  }
  const consecutiveFailures = endpoint.consecutiveFailures + 1
  const failingSince = endpoint.failingSince ?? iso(startedAt)
  const disabled = endpoint.enabled && disables(policy, consecutiveFailures, Date.parse(failingSince), now)
  const enabled = endpoint.enabled && !disabled
  const nextEndpoint: StoredEndpoint = {
    ...endpoint, consecutiveFailures, failingSince, lastFailureAt: iso(now), enabled,
    ...(disabled ? { disabledAt: iso(now), disabledReason: `${consecutiveFailures} consecutive failed attempts since ${failingSince}` } : {}),
  }
  if (givesUp(policy, windowStart, now)) {
    return { kind: 'failed', disabled, endpoint: nextEndpoint, delivery: { ...delivery, status: 'failed', windowStart, nextAt: null, attempts, attemptCount } }
  }
  const failuresInWindow = attempts.filter((a) => !a.ok && Date.parse(a.at) >= windowStart).length
  const next: Delivery = enabled
    ? { ...delivery, status: 'pending', windowStart, nextAt: now + retryDelay(policy, failuresInWindow, random), attempts, attemptCount }
    : { ...delivery, status: 'paused', windowStart, nextAt: null, attempts, attemptCount }
  return { kind: 'retry', disabled, endpoint: nextEndpoint, delivery: next }
}
