import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readHeads, startHeads } from '../src/heads.ts'
const dir = await mkdtemp(join(tmpdir(), 'micro-'))
const db = { compactRange: async () => {} } as any
const heads = await startHeads(dir, db, await readHeads(dir), new Map(), { maxBytes: 1 << 20, maxDocs: 4096, onError: console.error })
for (const size of [1, 10, 100]) {
  const writes = Array.from({ length: size }, (_, i) => ({ doc: `bench/${i}`, seq: 1000 + i }))
  const n = size === 1 ? 100_000 : size === 10 ? 30_000 : 10_000
  for (let i = 0; i < 1000; i++) heads.record(writes)
  const t = performance.now()
  for (let i = 0; i < n; i++) heads.record(writes)
  const us = ((performance.now() - t) * 1000) / n
  console.log(`batch of ${size} entries: ${us.toFixed(1)} µs per batch (${(us / size).toFixed(2)} µs per entry)`)
}
await heads.close()
await rm(dir, { recursive: true, force: true })
