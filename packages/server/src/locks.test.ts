import { describe, expect, it } from 'vitest'
import { createLocks } from './locks.ts'

/** A promise the test settles by hand, so the order is decided by the test, not by timing. */
const gate = () => {
  let open!: () => void
  let fail!: (err: Error) => void
  const promise = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)))
  return { promise, open, fail }
}

describe('createLocks', () => {
  it('runs the tasks of one key one after another, in the order they came', async () => {
    const locks = createLocks()
    const seen: string[] = []
    const first = gate()
    const a = locks('k', async () => {
      seen.push('a start')
      await first.promise
      seen.push('a end')
      return 'a'
    })
    const b = locks('k', async () => {
      seen.push('b')
      return 'b'
    })
    await Promise.resolve()
    await Promise.resolve()
    expect(seen).toEqual(['a start'])
    first.open()
    expect(await Promise.all([a, b])).toEqual(['a', 'b'])
    expect(seen).toEqual(['a start', 'a end', 'b'])
  })

  it('does not hold one key up for another', async () => {
    const locks = createLocks()
    const held = gate()
    const slow = locks('a', () => held.promise)
    expect(await locks('b', async () => 'b ran')).toBe('b ran')
    held.open()
    await slow
  })

  it('passes a failure to its caller and still runs the next task', async () => {
    const locks = createLocks()
    const first = gate()
    const failing = locks('k', () => first.promise)
    const next = locks('k', async () => 'next')
    first.fail(new Error('boom'))
    await expect(failing).rejects.toThrow('boom')
    expect(await next).toBe('next')
  })

  it('serialises many racing read-modify-writes of one key without losing one', async () => {
    const locks = createLocks()
    let stored = 0
    const increment = () => locks('counter', async () => {
      const read = stored
      await Promise.resolve()
      stored = read + 1
    })
    await Promise.all(Array.from({ length: 50 }, increment))
    expect(stored).toBe(50)
  })
})
