import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCrashRounds } from '../src/crash-harness.ts'
const dir = await mkdtemp(join(tmpdir(), 'crashb-'))
const report = await runCrashRounds({ dir, rounds: 15, seed: 4242, writers: 12, docs: 4, durability: 'buffered', minRunMs: 30, maxRunMs: 300 })
console.log(JSON.stringify({ ...report, problems: report.problems.slice(0, 5) }))
await rm(dir, { recursive: true, force: true })
