import { readdir, readFile, writeFile, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { openLevelLog } from '../src/level-log.ts'
import { repairLevelLog } from '../src/repair.ts'
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
if (mode === 'flip') {
  const at = bytes.indexOf(Buffer.from('st/a'), bytes.length / 2)
  bytes[at + 20] ^= 0x5a
  await writeFile(wal, bytes)
} else await truncate(wal, Math.floor(bytes.length / 2))
const show = async () => {
  log = await openLevelLog({ dir, observer: { onError: (e) => console.log('onError:', e.message) } })
  for (const doc of ['st/a', 'st/b']) {
    console.log(doc, 'head', (await log.head(doc))?.headSeq, JSON.stringify((await log.verify(doc)).damaged.map((d) => d.seq)))
    await log.stateAt(doc).then(() => console.log('stateAt ok'), (e) => console.log('stateAt:', e.code, e.doc, e.seq, e.message))
  }
  await log.close()
}
try { await show() } catch (e) { console.log('open:', (e as any).code, (e as Error).message) }
const report = await repairLevelLog({ dir, truncateDamaged: process.argv[3] === 'cut' })
console.log(JSON.stringify(report, null, 0))
await show()
