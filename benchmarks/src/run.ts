import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { machineInfo, packageVersions } from './report/machine.ts'
import type { BenchResults } from './report/results.ts'
import { runColdLoad, coldLoadSizes } from './scenarios/coldLoad.ts'
import { runFormats, runSystemBytes } from './scenarios/compression.ts'
import { removeDir } from './scenarios/harness.ts'
import { runIngest } from './scenarios/ingest.ts'
import { runManyDocs } from './scenarios/manyDocs.ts'
import { runOffline } from './scenarios/offline.ts'
import type { CaseResult, Mode, Progress, ScenarioContext } from './scenarios/types.ts'
import { hocuspocus, hocuspocusStoreEveryChange, yWebsocketServer } from './systems/peers.ts'
import { rota, rotaNoResolver, rotaProvider, rotaProviderLargeMessages } from './systems/rota.ts'
import type { System } from './systems/types.ts'

export type ScenarioNumber = 1 | 2 | 3 | 4 | 5

export interface RunOptions {
  mode: Mode
  seed: number
  scenarios: ScenarioNumber[]
  /** Only these systems (ids), for a developer's look at a few rows (`--systems rota,rota-no-resolver`); all when left out. */
  systems?: string[]
  /** Runs benchmarks/src/log/run.ts as one more section (when it exists). */
  logSection: boolean
  progress: (total: number) => Progress
}

/**
 * Which systems each scenario measures; the debounce-0 Hocuspocus variant only matters for ingest, and is slow. Every
 * Rota system runs `rota serve`'s configuration, resolver on; the resolver-free row is an extra in scenario 2, where
 * every update's cost shows, so the resolver's share can be read off.
 */
const systemsFor = (scenario: ScenarioNumber, mode: Mode): System[] => {
  switch (scenario) {
    case 1: return [yWebsocketServer, hocuspocus, rota, rotaProvider, rotaProviderLargeMessages]
    case 2: return mode === 'full'
      ? [yWebsocketServer, hocuspocus, hocuspocusStoreEveryChange, rota, rotaProvider, rotaProviderLargeMessages, rotaNoResolver]
      : [yWebsocketServer, hocuspocus, rota, rotaProvider, rotaProviderLargeMessages, rotaNoResolver]
    case 3: return [yWebsocketServer, hocuspocus, rota]
    case 4: return [yWebsocketServer, hocuspocus, rota, rotaProvider]
    case 5: return [yWebsocketServer, hocuspocus, rota]
  }
}

const chosen = (scenario: ScenarioNumber, options: Pick<RunOptions, 'mode' | 'systems'>): System[] =>
  systemsFor(scenario, options.mode).filter((system) => options.systems === undefined || options.systems.includes(system.id))

const stepsFor = (scenario: ScenarioNumber, options: Pick<RunOptions, 'mode' | 'systems'>): number => {
  const mode = options.mode
  const systems = chosen(scenario, options).length
  if (scenario === 1) return 8 + systems
  if (scenario === 3) return systems * coldLoadSizes({ mode } as ScenarioContext).length
  return systems
}

const LOG_SECTION_LIMIT_MS: Record<Mode, number> = { quick: 180_000, full: 1_800_000 }

const LOG_RUNNER = fileURLToPath(new URL('./log/run.ts', import.meta.url))

const runLogSection = (mode: Mode): Promise<{ ok: boolean; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LOG_RUNNER, ...(mode === 'quick' ? ['--quick'] : [])], {
      cwd: path.dirname(path.dirname(LOG_RUNNER)),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    // The section is someone else's program: bound it so the quick run stays quick.
    const timer = setTimeout(() => {
      output += `\n(stopped after ${LOG_SECTION_LIMIT_MS[mode] / 1000} s)\n`
      child.kill('SIGTERM')
    }, LOG_SECTION_LIMIT_MS[mode])
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ ok: code === 0, output })
    })
  })

/** Runs the chosen scenarios against every system and returns the results (nothing is written here). */
export const runBenchmarks = async (options: RunOptions): Promise<BenchResults> => {
  // Each y-websocket provider registers a process 'exit' listener; hundreds of clients are expected here.
  process.setMaxListeners(0)
  const started = Date.now()
  const dirs: string[] = []
  const logSection = options.logSection && existsSync(LOG_RUNNER)
  const total = options.scenarios.reduce((sum, s) => sum + stepsFor(s, options), 0) + (logSection ? 1 : 0)
  const ctx: ScenarioContext = {
    mode: options.mode,
    seed: options.seed,
    progress: options.progress(total),
    tmpDir: async (prefix) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
      dirs.push(dir)
      return dir
    },
  }
  const machine = machineInfo()
  const cases: CaseResult[] = []
  try {
    for (const scenario of options.scenarios) {
      const systems = chosen(scenario, options)
      const scenarioStarted = Date.now()
      const before = cases.length
      switch (scenario) {
        case 1:
          cases.push(await runFormats(ctx), await runSystemBytes(ctx, systems))
          break
        case 2:
          cases.push(await runIngest(ctx, systems))
          break
        case 3:
          cases.push(...(await runColdLoad(ctx, systems)))
          break
        case 4:
          cases.push(await runOffline(ctx, systems))
          break
        case 5:
          cases.push(await runManyDocs(ctx, systems))
          break
      }
      const run = { seconds: Math.round((Date.now() - scenarioStarted) / 1000), loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100) }
      for (const result of cases.slice(before)) result.run = run
    }
  } finally {
    await Promise.all(dirs.map(removeDir))
  }
  let log: BenchResults['logSection']
  if (logSection) {
    const step = ctx.progress.step('update log section')
    log = await runLogSection(options.mode)
    step.done()
  }
  const measured = new Set(options.scenarios.flatMap((s) => chosen(s, options)))
  return {
    mode: options.mode,
    seed: options.seed,
    date: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine,
    versions: packageVersions(),
    durability: Object.fromEntries([...measured].map((s) => [s.id, s.durability])),
    cases,
    ...(log === undefined ? {} : { logSection: log }),
  }
}
