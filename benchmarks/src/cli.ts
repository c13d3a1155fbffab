// `npm run bench` (full) · `npm run bench -- --quick` · options: --seed <n>, --scenarios 1,3, --systems rota,hocuspocus, --out <dir>, --no-log
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { BENCHMARKS_DIR } from './proc/child.ts'
import { createProgress } from './progress.ts'
import { renderMarkdown } from './report/markdown.ts'
import { renderCharts } from './report/svg.ts'
import { runBenchmarks, type ScenarioNumber } from './run.ts'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seed: { type: 'string', default: '20261125' },
    scenarios: { type: 'string', default: '1,2,3,4,5' },
    // A developer's look at some rows (e.g. with BENCH_ROTA_CPU_PROF); a run that compares needs the peers in it.
    systems: { type: 'string' },
    out: { type: 'string' },
    'no-log': { type: 'boolean', default: false },
  },
})

const mode = values.quick ? 'quick' : 'full'
const seed = Number(values.seed)
const scenarios = values.scenarios.split(',').map(Number)
if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer')
if (scenarios.some((s) => ![1, 2, 3, 4, 5].includes(s))) throw new Error('--scenarios takes numbers 1 to 5, comma-separated')
// A full run writes the committed figures (docs/benchmarks/); a quick one (CI's, a developer's check) writes under the
// ignored benchmarks/results/tmp/ so that it leaves the working tree as it was: `--out docs/benchmarks/quick` to keep it.
const outDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out ?? (mode === 'full' ? path.join(BENCHMARKS_DIR, '..', 'docs', 'benchmarks') : path.join(BENCHMARKS_DIR, 'results', 'tmp', 'quick')))

const results = await runBenchmarks({
  mode,
  seed,
  scenarios: scenarios as ScenarioNumber[],
  ...(values.systems === undefined ? {} : { systems: values.systems.split(',') }),
  logSection: !values['no-log'],
  progress: (total) => createProgress(total),
})

await mkdir(outDir, { recursive: true })
const markdown = renderMarkdown(results)
await writeFile(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
await writeFile(path.join(outDir, 'results.md'), markdown)
for (const [file, svg] of Object.entries(renderCharts(results.cases))) await writeFile(path.join(outDir, file), svg)
process.stdout.write(`${markdown}\nWritten to ${outDir}\n`)
// A peer that fails a case is a finding, kept in the results; Rota failing one fails the run.
const failures = results.cases.flatMap((c) => c.measurements.filter((m) => !m.ok).map((m) => ({ id: c.id, m })))
for (const { id, m } of failures) process.stderr.write(`${m.isRota ? 'FAILED' : 'peer failed'}: ${id} ${m.subject}: ${m.error}\n`)
const rotaFailed = failures.some(({ m }) => m.isRota)
// Client libraries keep timers (awareness, reconnect) alive after destroy; the run is over, so leave now.
process.exit(rotaFailed ? 1 : 0)
