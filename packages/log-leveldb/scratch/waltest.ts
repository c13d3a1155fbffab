import { readdir, readFile, mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { openLevelLog } from '../src/level-log.ts'
import { scanLog, encodeLog } from '../src/wal.ts'
import { scheduleHistory } from '../../../benchmarks/src/log/workload.ts'
import { serverMeta } from '../../../benchmarks/src/log/systems.ts'
const dir = await mkdtemp(join(tmpdir(), 'walt-'))
const log = await openLevelLog({ dir, durability: 'buffered', checkpointEvery: 1e9 })
const { updates } = scheduleHistory(6000)
await Promise.all(updates.slice(0, 3000).map((u, i) => log.append('d' + (i % 7), u, serverMeta(u, 1e12 + i))))
for (const [i, u] of updates.slice(3000).entries()) await log.append('x', u, serverMeta(u, 2e12 + i))
await log.close()
const name = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort().at(-1)!
const bytes = await readFile(join(dir, name))
let t = performance.now()
const scan = scanLog(bytes)
console.log('bytes', bytes.length, 'records', scan.records.length, 'damage', scan.damage, 'ms', performance.now() - t)
const again = encodeLog(scan.records)
console.log('roundtrip equal', Buffer.compare(Buffer.from(again), bytes) === 0, again.length)
for (let i = 0; i < 5; i++) { t = performance.now(); scanLog(bytes); console.log('scan ms', (performance.now() - t).toFixed(2)) }
