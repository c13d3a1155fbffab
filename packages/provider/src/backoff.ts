import { ProviderErrorCode, RotaProviderError } from './errors.ts'

/** How long to wait before each reconnect attempt. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  initialDelay: number
  /** Each further delay is the previous one times this. */
  factor: number
  /** No delay is longer than this, ms. */
  maxDelay: number
  /**
   * Fraction of each delay that is random, 0–1: the delay is drawn from `[d × (1 − jitter), d]`,
   * so a crowd of clients cut off together does not come back in one wave, and the cap holds.
   */
  jitter: number
  /** Attempts after which the provider stops retrying on its own (`Infinity`: never stops). */
  maxAttempts: number
}

export const defaultBackoff: BackoffOptions = {
  initialDelay: 1_000,
  factor: 1.5,
  maxDelay: 30_000,
  jitter: 0.2,
  maxAttempts: Infinity,
}

const invalid = (option: string, rule: string): RotaProviderError =>
  new RotaProviderError(ProviderErrorCode.InvalidOption, `backoff.${option} must be ${rule}`, { option: `backoff.${option}` })

/** Fills in defaults and checks ranges; throws `ROTA_PROVIDER_INVALID_OPTION`. */
export const resolveBackoff = (options: Partial<BackoffOptions> = {}): BackoffOptions => {
  const resolved = { ...defaultBackoff, ...options }
  const { initialDelay, factor, maxDelay, jitter, maxAttempts } = resolved
  if (!(Number.isFinite(initialDelay) && initialDelay >= 0)) throw invalid('initialDelay', 'a finite number ≥ 0')
  if (!(Number.isFinite(factor) && factor >= 1)) throw invalid('factor', 'a finite number ≥ 1')
  if (!(Number.isFinite(maxDelay) && maxDelay >= initialDelay)) throw invalid('maxDelay', 'a finite number ≥ initialDelay')
  if (!(jitter >= 0 && jitter <= 1)) throw invalid('jitter', 'between 0 and 1')
  if (!(maxAttempts >= 1 && (Number.isInteger(maxAttempts) || maxAttempts === Infinity))) {
    throw invalid('maxAttempts', 'a whole number ≥ 1 or Infinity')
  }
  return resolved
}

/**
 * The delay before retry number `attempt` (1 for the first retry after a failure).
 * `random` returns a number in [0, 1), like `Math.random`; tests pass a fixed one.
 */
export const backoffDelay = (attempt: number, options: BackoffOptions, random: () => number = Math.random): number => {
  const base = Math.min(options.maxDelay, options.initialDelay * options.factor ** Math.max(0, attempt - 1))
  return Math.round(base * (1 - options.jitter * random()))
}
