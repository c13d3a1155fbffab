import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { MIN_ANSWERS, learn, newTeamModel, predict, trackRecord } from './model.ts'
import type { ConflictFeatures } from './types.ts'

const overwrite = (firstIsO1: boolean): ConflictFeatures => ({
  kind: 'concurrent_overwrite', magnitude: 0, rolesDiffer: false,
  options: [
    { optionId: 'o1', strategies: firstIsO1 ? ['first_writer_wins'] : ['last_writer_wins', 'yjs_kept'], keepAll: false },
    { optionId: 'o2', strategies: firstIsO1 ? ['last_writer_wins', 'yjs_kept'] : ['first_writer_wins'], keepAll: false },
  ],
})
const firstWriter = (f: ConflictFeatures): string => f.options.find((o) => o.strategies.includes('first_writer_wins'))!.optionId

describe('the team model', () => {
  it('[M1] a new team is asked: confidence stays below any sensible threshold before it has answered', () => {
    const p = predict(newTeamModel(), overwrite(true))
    expect(p.confidence).toBeLessThanOrEqual(0.5)
    expect(['o1', 'o2']).toContain(p.optionId)
  })

  it('[M2] a consistent preference is learned online and then predicted with high confidence', () => {
    let m = newTeamModel()
    let i = 0
    for (; i < 40; i++) {
      const f = overwrite(i % 2 === 0)
      if (predict(m, f).confidence >= 0.8) break
      m = learn(m, f, firstWriter(f))
    }
    expect(i).toBeGreaterThanOrEqual(MIN_ANSWERS)
    expect(i).toBeLessThan(20)
    for (const f of [overwrite(true), overwrite(false)]) {
      const p = predict(m, f)
      expect(p.optionId).toBe(firstWriter(f))
      expect(p.strategy).toBe('first_writer_wins')
      expect(p.confidence).toBeGreaterThanOrEqual(0.8)
    }
  })

  it('[M3] where a team decides case by case (answers the features do not explain), the model keeps asking', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 30 }), (seed) => {
      // mulberry32: an LCG's low bits repeat with a short period, which the model rightly learns.
      let a = seed >>> 0
      const coin = (): boolean => {
        a = (a + 0x6d2b79f5) >>> 0
        let t = Math.imul(a ^ (a >>> 15), a | 1)
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296 < 0.5
      }
      let m = newTeamModel()
      let confident = 0
      for (let i = 0; i < 200; i++) {
        const f = overwrite(coin())
        const p = predict(m, f)
        if (p.trusted && p.confidence >= 0.8) confident++
        m = learn(m, f, coin() ? 'o1' : 'o2')
      }
      return confident / 200 < 0.1
      // A fixed seed for CI; ROTA_PROPERTY_SEED tries others (checked with several).
    }), { numRuns: 30, seed: Number(process.env.ROTA_PROPERTY_SEED ?? 20261202) })
  })

  it('[M4] confidence is calibrated: a team that follows its rule three times in four is told about 0.75', () => {
    let s = 7
    const coin = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) % 1000) / 1000
    let m = newTeamModel()
    for (let i = 0; i < 300; i++) {
      const f = overwrite(i % 2 === 0)
      m = learn(m, f, coin() < 0.75 ? firstWriter(f) : f.options.find((o) => o.optionId !== firstWriter(f))!.optionId)
    }
    const p = predict(m, overwrite(true))
    expect(p.optionId).toBe(firstWriter(overwrite(true)))
    expect(p.confidence).toBeGreaterThan(0.6)
    expect(p.confidence).toBeLessThan(0.9)
  })

  it('[M4] a kind with few answers of its own, or whose last answer was a miss, is asked', () => {
    let m = newTeamModel()
    for (let i = 0; i < 12; i++) m = learn(m, overwrite(i % 2 === 0), firstWriter(overwrite(i % 2 === 0)))
    expect(predict(m, overwrite(true)).trusted).toBe(true)
    const other: ConflictFeatures = { ...overwrite(true), kind: 'double_booking' }
    expect(predict(m, other).trusted).toBe(false)
    m = learn(m, overwrite(true), 'o2')
    expect(predict(m, overwrite(true)).trusted).toBe(false)
    expect(trackRecord(m, 'concurrent_overwrite')).toBeLessThan(1)
  })

  it('[M5] an override moves the model away from the applied option, and a team that changes its mind is followed', () => {
    let m = newTeamModel()
    for (let i = 0; i < 20; i++) m = learn(m, overwrite(true), 'o1')
    expect(predict(m, overwrite(true)).optionId).toBe('o1')
    for (let i = 0; i < 25; i++) m = learn(m, overwrite(true), 'o2')
    expect(predict(m, overwrite(true)).optionId).toBe('o2')
  })

  it('[M6] the model state is plain JSON and survives a round trip unchanged', () => {
    let m = newTeamModel()
    for (let i = 0; i < 10; i++) m = learn(m, overwrite(i % 2 === 0), 'o1', i % 3 === 0 ? 0.3 : 1)
    const back = JSON.parse(JSON.stringify(m))
    expect(back).toEqual(m)
    expect(predict(back, overwrite(true))).toEqual(predict(m, overwrite(true)))
  })
})
