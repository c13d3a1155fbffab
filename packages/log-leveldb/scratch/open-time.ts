import { cp, mkdtemp, rm, readdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLevelLog } from '../src/level-log.ts'
import { openLevelLog as openOrig } from './orig/src/level-log.ts'
import { scheduleHistory } from '../../../benchmarks/src/log/workload.ts'
import { serverMeta } from '../../../benchmarks/src/log/systems.ts'
const docs = Number(process.argv[2] ?? 4096)
const dir = await mkdtemp(join(tmpdir(), 'opent-'))
const log = await openLevelLog({ dir, durability: 'buffered', checkpointOnClose: false })
const { updates } = scheduleHistory(30000)
let k = 0
for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: docs }, (_, d) => { const u = updates[k++ % updates.length]!; return log.append(`t/${d}`, u, serverMeta(u, 1e12 + k)) }))
await log.close()
let wal = 0
for (const n of await readdir(dir)) if (n.endsWith('.log')) wal += (await stat(join(dir, n))).size
console.log('docs', docs, 'wal bytes', wal, (await readdir(dir)).join(' '))
for (const [name, open] of [['orig', openOrig], ['new', openLevelLog], ['orig', openOrig], ['new', openLevelLog]] as const) {
  const copy = await mkdtemp(join(tmpdir(), 'opent-c-'))
  await cp(dir, copy, { recursive: true })
  const t = performance.now()
  const l = await open({ dir: copy })
  const ms = performance.now() - t
  await l.close()
  const t2 = performance.now()
  const l2 = await open({ dir: copy })
  const ms2 = performance.now() - t2
  await l2.close()
  console.log(name, 'first open', ms.toFixed(0), 'ms; second open', ms2.toFixed(0), 'ms')
  await rm(copy, { recursive: true, force: true })
}
await rm(dir, { recursive: true, force: true })
