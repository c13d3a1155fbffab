import { execFile } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runCrashRounds } from './crash-harness.ts'
import { migrate } from './schema.ts'
import { HAS_POSTGRES, migratedSchema } from './test-db.ts'

const run = promisify(execFile)
const script = join(dirname(fileURLToPath(import.meta.url)), '../../../.ci/postgres.sh')
const seed = Number(process.env.ROTA_CRASH_SEED ?? Date.now() % 1_000_000)

describe.skipIf(!HAS_POSTGRES)('crash safety on PostgreSQL (real server, concurrent load)', () => {
  it('keeps every acknowledged append when the writing process is killed with SIGKILL, 10 times', async () => {
    const { schema, drop } = await migratedSchema()
    try {
      const report = await runCrashRounds({ url: process.env.ROTA_TEST_POSTGRES_URL!, schema, kill: 'writer', rounds: 10, seed, writers: 12, docs: 4, minRunMs: 30, maxRunMs: 300 })
      if (report.problems.length > 0) console.error(`replay with ROTA_CRASH_SEED=${seed}`)
      expect(report.problems).toEqual([])
      expect(report.rounds).toBe(10)
      expect(report.acknowledged).toBeGreaterThan(0)
    } finally {
      await drop()
    }
  }, 240_000)

  // A cluster of its own: stopping the shared server would fail the other test files running beside it.
  it('keeps every acknowledged append when PostgreSQL is stopped with -m immediate and restarted, 3 times', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-pg-crash-'))
    const started = await run('bash', [script, 'start', dir])
    const url = /ROTA_TEST_POSTGRES_URL=(\S+)/.exec(started.stdout)![1]!
    try {
      await migrate(url, { schema: 'crash' })
      const report = await runCrashRounds({ url, schema: 'crash', kill: 'postgres', clusterDir: dir, rounds: 3, seed, writers: 12, docs: 4, minRunMs: 100, maxRunMs: 400 })
      if (report.problems.length > 0) console.error(`replay with ROTA_CRASH_SEED=${seed}`)
      expect(report.problems).toEqual([])
      expect(report.rounds).toBe(3)
      expect(report.acknowledged).toBeGreaterThan(0)
    } finally {
      await run('bash', [script, 'stop', dir])
    }
  }, 240_000)
})
