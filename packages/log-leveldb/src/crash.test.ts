import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCrashRounds } from './crash-harness.ts'

describe('crash safety (SIGKILL under concurrent load, real LevelDB)', () => {
  it('keeps every acknowledged append, loads, verifies clean and continues numbering after 20 kills', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-crash-'))
    const seed = Number(process.env.ROTA_CRASH_SEED ?? Date.now() % 1_000_000)
    try {
      const report = await runCrashRounds({ dir, rounds: 20, seed, writers: 12, docs: 4, minRunMs: 30, maxRunMs: 300 })
      if (report.problems.length > 0) console.error(`replay with ROTA_CRASH_SEED=${seed}`)
      expect(report.problems).toEqual([])
      expect(report.rounds).toBe(20)
      expect(report.acknowledged).toBeGreaterThan(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 240_000)
})
