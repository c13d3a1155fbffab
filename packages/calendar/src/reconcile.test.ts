import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { reconcile, versionHash } from './reconcile.ts'
import type { EventRecord, FeedEvent } from './types.ts'

const event = (shift: string, start = '08:00', date = '2026-03-10'): FeedEvent =>
  ({ uid: `${shift}.d@rota`, doc: 'd', shift, date, start, end: '16:00', timezone: 'Europe/Berlin', summary: 'nurse', description: '' })
const opts = (now: string) => ({ now, windowStart: '2026-01-01' })

describe('reconcile: what a feed shows after what it showed', () => {
  it('[REC1] SEQUENCE never goes down, and goes up exactly when what the calendar shows changes (generated histories)', () => {
    const version = fc.record({ shift: fc.constantFrom('a', 'b', 'c'), start: fc.constantFrom('08:00', '09:00') })
    const publication = fc.uniqueArray(version, { selector: (v) => v.shift, maxLength: 3 })
    fc.assert(fc.property(fc.array(publication, { minLength: 1, maxLength: 8 }), (history) => {
      let records: EventRecord[] = []
      for (const [i, published] of history.entries()) {
        const current = published.map((v) => event(v.shift, v.start))
        const result = reconcile(records, current, opts(`2026-03-01T00:00:0${i}.000Z`))
        const before = new Map(records.map((r) => [r.event.uid, r]))
        for (const r of result.shown) {
          const prev = before.get(r.event.uid)
          const live = current.find((e) => e.uid === r.event.uid)
          if (prev === undefined) expect(r.sequence).toBe(0)
          else if (live !== undefined) expect(r.sequence).toBe(prev.hash === versionHash(live) && prev.cancelledAt === null ? prev.sequence : prev.sequence + 1)
          else expect(r.sequence).toBe(prev.cancelledAt === null ? prev.sequence + 1 : prev.sequence)
          expect(r.cancelledAt === null).toBe(live !== undefined)
        }
        // Nothing shown before disappears within the retention.
        expect(new Set(result.shown.map((r) => r.event.uid))).toEqual(new Set([...before.keys(), ...current.map((e) => e.uid)]))
        records = result.shown
      }
    }))
  })

  it('[REC2] a cancelled event is kept for the retention, then forgotten; one dated before the window is forgotten at once', () => {
    const first = reconcile([], [event('a'), event('old', '08:00', '2026-01-05')], opts('2026-03-01T00:00:00.000Z')).shown
    const gone = reconcile(first, [], { now: '2026-03-02T00:00:00.000Z', windowStart: '2026-02-01' })
    expect(gone.shown.map((r) => [r.event.shift, r.sequence, r.cancelledAt])).toEqual([['a', 1, '2026-03-02T00:00:00.000Z']])
    expect(gone.remove).toEqual(['old.d@rota'])
    expect(reconcile(gone.shown, [], { now: '2026-04-01T00:00:00.000Z', windowStart: '2026-02-01' }).shown).toHaveLength(1)
    const later = reconcile(gone.shown, [], { now: '2026-04-01T00:00:00.001Z', windowStart: '2026-02-01' })
    expect([later.shown, later.remove]).toEqual([[], ['a.d@rota']])
    // Back after a cancellation: the next SEQUENCE, confirmed again.
    expect(reconcile(gone.shown, [event('a')], opts('2026-03-03T00:00:00.000Z')).shown.map((r) => [r.sequence, r.cancelledAt])).toEqual([[2, null]])
  })
})
