/**
 * When to try again and when to stop. Each delivery is retried with exponential backoff — 30 s, 1 min, 2 min,
 * … doubling up to one hour between attempts — each wait drawn at random from its upper half ("equal
 * jitter": endpoints that failed together do not all come back at the same second), until its retry window
 * (24 h from its first attempt) has passed: the first attempt after that which fails makes it `failed`. So every
 * delivery is tried for at least 24 hours, about 30 times. An endpoint is disabled when it has failed
 * `disableAfterFailures` (15) attempts in a row and the first of them is at least `disableAfterMs` (24 h) old:
 * a receiver that has been down for a day, not one that failed a burst of retries in an afternoon.
 */
export interface RetryPolicy {
  firstRetryMs: number
  maxRetryMs: number
  retryWindowMs: number
  disableAfterFailures: number
  disableAfterMs: number
  /** How long one attempt may take before it counts as failed (timed out). */
  attemptTimeoutMs: number
}

const HOUR = 3_600_000

export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  firstRetryMs: 30_000,
  maxRetryMs: HOUR,
  retryWindowMs: 24 * HOUR,
  disableAfterFailures: 15,
  disableAfterMs: 24 * HOUR,
  attemptTimeoutMs: 10_000,
})

/** The wait after the `failures`-th failed attempt (1-based): in [d/2, d] for d = min(max, first · 2^(failures−1)). */
export const retryDelay = (policy: RetryPolicy, failures: number, random: () => number = Math.random): number => {
  const ceiling = Math.min(policy.maxRetryMs, policy.firstRetryMs * 2 ** Math.min(Math.max(failures - 1, 0), 40))
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}

/** Whether a delivery whose window began at `windowStart` gives up after failing at `now`. */
export const givesUp = (policy: RetryPolicy, windowStart: number, now: number): boolean => now - windowStart >= policy.retryWindowMs

/** Whether an endpoint with this failure streak is disabled. */
export const disables = (policy: RetryPolicy, consecutiveFailures: number, failingSince: number, now: number): boolean =>
  consecutiveFailures >= policy.disableAfterFailures && now - failingSince >= policy.disableAfterMs
