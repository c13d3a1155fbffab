/**
 * CPU per update of detection itself: `DocHistory.ingest` (with detection) on the burst's realistic stream of
 * small live edits to the 50-person, 90-day, 720-shift ward (realistic.ts), driven synchronously, the first
 * 1,000 updates as warm-up; process CPU time (user + system), so other work on the machine moves it less
 * than wall time. docs/resolver.md, "What detection costs".
 *   npx tsx packages/resolver/eval/ingest-cpu.ts [--updates 6000]
 */
import { DocHistory } from '../src/history.ts'
import { editEventOf } from '../src/extension.ts'
import { realisticStream } from './realistic.ts'

const flag = process.argv.indexOf('--updates')
const UPDATES = flag >= 0 ? Number(process.argv[flag + 1]) : 6000
const WARM_UP = 1000

const stream = realisticStream(UPDATES, 0)
const events = stream.map((s, i) => editEventOf({
  seq: i + 1, update: s.update,
  meta: { actor: s.actor, role: 'manager', origin: 'ws', receivedAt: Date.now(), clientIds: [] },
}))
const history = new DocHistory('ward/ingest')
for (let i = 0; i < WARM_UP; i++) history.ingest(events[i]!, true)
const before = process.cpuUsage()
for (let i = WARM_UP; i < UPDATES; i++) history.ingest(events[i]!, true)
const spent = process.cpuUsage(before)
console.log(JSON.stringify({ updates: UPDATES - WARM_UP, cpuMsPerUpdate: Number(((spent.user + spent.system) / 1000 / (UPDATES - WARM_UP)).toFixed(4)) }))
