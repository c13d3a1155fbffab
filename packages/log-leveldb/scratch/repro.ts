import { readdir, readFile, writeFile, truncate, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { openLevelLog } from '../src/level-log.ts'
import { writeEdits } from '../src/test-helpers.ts'
import { createEditor } from '@rota/log/testing'

const mode = process.argv[2] ?? 'flip'
const dir = await mkdtemp(join(tmpdir(), 'repro-'))
let log = await openLevelLog({ dir })
const ea = createEditor(1), eb = createEditor(2)
for (let i = 0; i < 3; i++) { await writeEdits(log, 'st/a', 10, ea); await writeEdits(log, 'st/b', 10, eb) }
await log.close()
const logs = (await readdir(dir)).filter((n) => /^\d+\.log$/.test(n)).sort()
const wal = join(dir, logs.at(-1)!)
const bytes = await readFile(wal)
console.log(await readdir(dir), bytes.length)
if (mode === 'flip') {
  // find "st/a" occurrences
  const at = bytes.indexOf(Buffer.from('st/a'), bytes.length / 2)
  bytes[at + 20] ^= 0x5a
  await writeFile(wal, bytes)
} else await truncate(wal, Math.floor(bytes.length / 2))
log = await openLevelLog({ dir })
for (const doc of ['st/a', 'st/b']) {
  let n = 0
  for await (const _ of log.read(doc)) n++
  console.log(doc, n, (await log.head(doc))?.headSeq, JSON.stringify(await log.verify(doc)))
}
await log.close()
