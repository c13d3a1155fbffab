// Scratch: append throughput, Rota sync/buffered, several writers/docs; median of N rounds.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { serverMeta } from '../../../benchmarks/src/log/systems.ts'
const { openLevelLog } = await import(process.argv[4] === 'orig' ? './orig/src/level-log.ts' : '../src/level-log.ts')
import { scheduleHistory } from '../../../benchmarks/src/log/workload.ts'

const pool = scheduleHistory(3000).updates
const seconds = Number(process.argv[2] ?? 2)
const rounds = Number(process.argv[3] ?? 3)
async function measure(durability: 'sync' | 'buffered', writers: number, docs: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-'))
  try {
    const log = await openLevelLog({ dir, durability, checkpointOnClose: false })
    let time = 0
    const store = { append: (doc: string, u: Uint8Array) => log.append(doc, u, serverMeta(u, Date.now() + time++)), close: () => log.close() }
    for (let d = 0; d < docs; d++) await store.append(`bench/${d}`, pool[d % pool.length]!)
    let appends = 0
    const deadline = performance.now() + seconds * 1000
    const started = performance.now()
    await Promise.all(Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await store.append(`bench/${(w + i * writers) % docs}`, pool[(w * 31 + i) % pool.length]!)
        appends++
      }
    }))
    const elapsed = (performance.now() - started) / 1000
    await store.close()
    return Math.round(appends / elapsed)
  } finally { await rm(dir, { recursive: true, force: true }) }
}
console.log(`load ${loadavg()[0]!.toFixed(2)}`)
for (const [durability, writers, docs] of [['sync', 1, 1], ['sync', 10, 100], ['sync', 100, 100], ['buffered', 1, 1], ['buffered', 100, 100]] as const) {
  const results: number[] = []
  for (let r = 0; r < rounds; r++) results.push(await measure(durability, writers, docs))
  results.sort((a, b) => a - b)
  console.log(`${durability.padEnd(9)} writers ${String(writers).padStart(3)} docs ${String(docs).padStart(3)}: median ${results[Math.floor(rounds / 2)]} /s  (${results.join(', ')})`)
}
console.log(`load ${loadavg()[0]!.toFixed(2)}`)
