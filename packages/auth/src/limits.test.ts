import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import { checkAwarenessUpdate } from './awareness.ts'
import { createTokenBucket } from './rateLimit.ts'

const awarenessOf = (state: Record<string, unknown>): { awareness: Awareness; update: Uint8Array } => {
  const awareness = new Awareness(new Y.Doc())
  awareness.setLocalState(state)
  return { awareness, update: encodeAwarenessUpdate(awareness, [awareness.clientID]) }
}

describe('awareness limits', () => {
  it('accepts what a stock client sends, including leaving', () => {
    const { awareness, update } = awarenessOf({ user: { name: 'Ana', color: '#f00' }, viewing: 'shifts.s1' })
    const check = checkAwarenessUpdate(update)
    expect(check).toMatchObject({ ok: true, entries: [{ clientID: awareness.clientID, removed: false }] })
    let leaving: Uint8Array | undefined
    awareness.on('update', () => {
      leaving = encodeAwarenessUpdate(awareness, [awareness.clientID])
    })
    removeAwarenessStates(awareness, [awareness.clientID], 'test')
    expect(checkAwarenessUpdate(leaving!)).toMatchObject({ ok: true, entries: [{ removed: true }] })
  })

  it('refuses huge states and too many states in one message', () => {
    const { update } = awarenessOf({ blob: 'x'.repeat(20_000) })
    expect(checkAwarenessUpdate(update)).toMatchObject({ ok: false })
    expect(checkAwarenessUpdate(update, { maxStateBytes: 30_000 })).toMatchObject({ ok: true })
    const crowd = new Awareness(new Y.Doc())
    for (let i = 0; i < 10; i++) {
      const other = awarenessOf({ i }).awareness
      applyAwarenessUpdate(crowd, encodeAwarenessUpdate(other, [other.clientID]), 'test')
    }
    expect(crowd.getStates().size).toBe(11)
    expect(checkAwarenessUpdate(encodeAwarenessUpdate(crowd, [...crowd.getStates().keys()]))).toMatchObject({ ok: false })
  })

  it('refuses bad JSON and trailing bytes, and never throws on random bytes (property)', () => {
    const { update } = awarenessOf({ a: 1 })
    expect(checkAwarenessUpdate(new Uint8Array([...update, 0]))).toMatchObject({ ok: false })
    expect(checkAwarenessUpdate(new Uint8Array([1, 5, 1, 3, 123, 123, 123]))).toMatchObject({ ok: false })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const check = checkAwarenessUpdate(bytes)
        expect(typeof check.ok).toBe('boolean')
      }),
    )
  })
})

describe('token bucket', () => {
  it('allows a burst, then the rate, and never goes over (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 200 }), (perSecond, burst, gaps) => {
        const bucket = createTokenBucket({ perSecond, burst })
        let now = 0
        let taken = 0
        for (const gap of gaps) {
          now += gap
          if (bucket.take(now)) taken++
        }
        expect(taken).toBeLessThanOrEqual(burst + Math.floor((now * perSecond) / 1000))
      }),
    )
  })

  it('refuses once empty and refills with time', () => {
    const bucket = createTokenBucket({ perSecond: 10, burst: 2 })
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, false])
    expect(bucket.take(100)).toBe(true)
    expect(bucket.take(100)).toBe(false)
    expect(bucket.take(50)).toBe(false)
  })
})
