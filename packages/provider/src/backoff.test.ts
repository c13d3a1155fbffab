import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { backoffDelay, defaultBackoff, resolveBackoff } from './backoff.ts'
import { ProviderErrorCode } from './errors.ts'

describe('backoffDelay', () => {
  it('follows the default schedule without jitter: 1 s, ×1.5, capped at 30 s', () => {
    const options = { ...defaultBackoff, jitter: 0 }
    const delays = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, options))
    expect(delays).toEqual([1000, 1500, 2250, 3375, 5063, 7594, 11391, 17086, 25629, 30000, 30000, 30000])
  })

  it('stays within [d × (1 − jitter), d] and never above the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const exact = backoffDelay(attempt, { ...defaultBackoff, jitter: 0 })
        const delay = backoffDelay(attempt, defaultBackoff, () => r)
        expect(delay).toBeLessThanOrEqual(exact)
        expect(delay).toBeGreaterThanOrEqual(Math.floor(exact * (1 - defaultBackoff.jitter)))
        expect(delay).toBeLessThanOrEqual(defaultBackoff.maxDelay)
      }),
    )
  })

  it('rejects bad options with a typed error', () => {
    for (const bad of [{ factor: 0.5 }, { initialDelay: -1 }, { maxDelay: 10, initialDelay: 100 }, { jitter: 2 }, { maxAttempts: 0 }, { maxAttempts: 1.5 }]) {
      expect(() => resolveBackoff(bad)).toThrow(expect.objectContaining({ code: ProviderErrorCode.InvalidOption }))
    }
    expect(resolveBackoff({ maxAttempts: 3 }).maxAttempts).toBe(3)
  })
})
