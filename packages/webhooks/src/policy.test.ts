import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { outcomeOf } from './attempt.ts'
import { defaultRetryPolicy as policy, retryDelay } from './policy.ts'
import type { Delivery, DeliveryId, EndpointId, EventId, StoredEndpoint } from './types.ts'

const HOUR = 3_600_000
const NOW = Date.UTC(2026, 1, 20, 12, 0)

const endpoint: StoredEndpoint = {
  id: 'wh_0123456789abcdef' as EndpointId, tenant: 'acme', url: 'https://example.org/hook', events: ['publication.created'], description: null,
  createdAt: new Date(NOW).toISOString(), createdBy: 'root', enabled: true, disabledAt: null, disabledReason: null,
  consecutiveFailures: 0, failingSince: null, lastSuccessAt: null, lastFailureAt: null, secret: 'whsec_x',
}
const delivery: Delivery = {
  id: 'dlv_1' as DeliveryId, tenant: 'acme', endpoint: endpoint.id, event: { id: 'evt_1' as EventId, type: 'publication.created' },
  status: 'pending', createdAt: new Date(NOW).toISOString(), windowStart: null, nextAt: NOW, deliveredAt: null, attemptCount: 0, attempts: [], body: '{}',
}

describe('the retry policy', () => {
  it('[R1] each wait is in the upper half of 30 s · 2^(n−1), capped at an hour', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (n, r) => {
      const ceiling = Math.min(HOUR, 30_000 * 2 ** (n - 1))
      const wait = retryDelay(policy, n, () => r)
      expect(wait).toBeGreaterThanOrEqual(ceiling / 2)
      expect(wait).toBeLessThanOrEqual(ceiling)
    }))
  })

  it('[R2] a delivery that always fails is retried for at least 24 hours, then gives up; the endpoint is disabled by then', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 100, maxLength: 100 }), (randoms) => {
      let d = delivery
      let e = endpoint
      let now = NOW
      let attempts = 0
      let disabledAt: number | undefined
      for (let i = 0; i < 100 && d.status === 'pending'; i++) {
        const out = outcomeOf(d, e, { status: 500, error: null }, now, now, 5, policy, () => randoms[i] as number)
        attempts++
        if (out.disabled) disabledAt = now
        d = out.delivery
        e = out.endpoint
        if (d.status === 'pending') now = d.nextAt as number
      }
      expect(d.status).toBe('failed')
      expect(now - NOW).toBeGreaterThanOrEqual(24 * HOUR)
      expect(attempts).toBeGreaterThanOrEqual(policy.disableAfterFailures)
      expect(disabledAt).toBe(now)
      expect(e).toMatchObject({ enabled: false, consecutiveFailures: attempts, failingSince: new Date(NOW).toISOString() })
    }))
  })

  it('[R3] a success clears the failure streak; a failure after it starts a new one', () => {
    const failed = outcomeOf(delivery, endpoint, { status: null, error: 'ECONNREFUSED' }, NOW, NOW, 1, policy, () => 0)
    expect(failed).toMatchObject({ kind: 'retry', endpoint: { consecutiveFailures: 1 }, delivery: { status: 'pending', nextAt: NOW + 15_000 } })
    const ok = outcomeOf(failed.delivery, failed.endpoint, { status: 204, error: null }, NOW + 15_000, NOW + 15_000, 1, policy)
    expect(ok).toMatchObject({ kind: 'delivered', endpoint: { consecutiveFailures: 0, failingSince: null }, delivery: { status: 'delivered', nextAt: null } })
    expect(ok.delivery.attempts.map((a) => [a.status, a.ok, a.error])).toEqual([[null, false, 'ECONNREFUSED'], [204, true, null]])
  })

  it('[R4] a redirect is a failure (never followed)', () => {
    expect(outcomeOf(delivery, endpoint, { status: 301, error: null }, NOW, NOW, 1, policy).kind).toBe('retry')
  })
})
