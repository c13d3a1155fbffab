/**
 * The update-log benchmark: Rota's LevelDB log beside y-leveldb on the same schedule updates.
 *
 *   npx tsx benchmarks/src/log/run.ts [--quick] [--soak [rounds]] [--only appends|load] [--sizes 1000,100000]
 *
 * [L1] durable appends/s with 1, 10, 100 concurrent writers over 1 and 100 documents
 * [L2] cold load of a document with 1k … 1M entries, with and without checkpoints
 * [L3] bytes on disk per entry against the raw update size
 * [L4] (--soak) SIGKILL rounds against a real directory
 * Prints a table and writes benchmarks/results/log.json. Figures, not assertions.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { DEFAULT_CHECKPOINT_BYTES, DEFAULT_CHECKPOINT_EVERY, openLevelLog } from '@rota/log-leveldb'
import { runCrashRounds } from '@rota/log-leveldb/crash-harness'
import { bytesOnDisk, compactDir, rotaKind, serverMeta, yLeveldbKind } from './systems.ts'
import type { StoreKind } from './systems.ts'
import { rawBytes, scheduleHistory, sequentialHistory } from './workload.ts'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const soakIndex = args.indexOf('--soak')
const soakRounds = soakIndex < 0 ? 0 : Number(args[soakIndex + 1] ?? '') || 200
/** `--only appends|load|soak` runs one section (while tuning; `soak` needs `--soak`). */
const onlyIndex = args.indexOf('--only')
const only = onlyIndex < 0 ? undefined : args[onlyIndex + 1]
const out = (line = ''): boolean => process.stdout.write(`${line}\n`)

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'rota-logbench-'))
  try {
    return await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const sameContent = (a: Y.Doc, b: Y.Doc): boolean => JSON.stringify(a.getMap('shifts').toJSON()) === JSON.stringify(b.getMap('shifts').toJSON())

// ── [L1] appends ────────────────────────────────────────────────────────────────────────────

interface AppendResult {
  system: string
  durability: string
  writers: number
  docs: number
  appends: number
  perSecond: number
}

async function measureAppends(kind: StoreKind, writers: number, docs: number, seconds: number, pool: Uint8Array[]): Promise<AppendResult> {
  return inTempDir(async (dir) => {
    const store = await kind.open(dir)
    // Every document is open (loaded) before the clock starts, as in a server that serves it.
    for (let d = 0; d < docs; d++) await store.append(`bench/${d}`, pool[d % pool.length]!)
    let appends = 0
    const deadline = performance.now() + seconds * 1000
    const started = performance.now()
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; performance.now() < deadline; i++) {
          await store.append(`bench/${(w + i * writers) % docs}`, pool[(w * 31 + i) % pool.length]!)
          appends++
        }
      }),
    )
    const elapsed = (performance.now() - started) / 1000
    await store.close()
    return { system: kind.label, durability: kind.durability, writers, docs, appends, perSecond: Math.round(appends / elapsed) }
  })
}

// ── [L2, L3] cold load and bytes ────────────────────────────────────────────────────────────

interface LoadResult {
  system: string
  entries: number
  checkpoints: boolean
  /** Reading the stored form (Rota: stateAt, checkpoint + tail merged). */
  readMs: number
  /** Read plus building the Y.Doc, what a server waits for. y-leveldb's getYDoc does both. */
  totalMs: number
  correct: boolean
}

interface BytesResult {
  system: string
  entries: number
  rawBytesPerEntry: number
  /** All files of the directory right after close: recent entries still sit uncompressed in LevelDB's write-ahead log. */
  diskBytesPerEntry: number
  ratio: number
  /** After a full compaction (what LevelDB converges to): the write-ahead log folded into compressed tables. */
  compactedBytesPerEntry: number
  compactedRatio: number
}

async function writeHistory(kind: StoreKind, dir: string, updates: Uint8Array[]): Promise<void> {
  if (kind.id.startsWith('rota')) {
    // Set-up, not measured: large concurrent groups, OS-buffered, then closed (which syncs).
    const log = await openLevelLog({ dir, durability: 'buffered' })
    for (let i = 0; i < updates.length; i += 2000) {
      await Promise.all(updates.slice(i, i + 2000).map((update, j) => log.append('doc', update, serverMeta(update, 1_700_000_000_000 + i + j))))
    }
    await log.idle()
    await log.close()
    return
  }
  const store = await kind.open(dir)
  for (let i = 0; i < updates.length; i += 500) await Promise.all(updates.slice(i, i + 500).map((update) => store.append('doc', update)))
  await store.close()
}

async function loadOnce(kind: StoreKind, dir: string, reference: Y.Doc): Promise<{ readMs: number; totalMs: number; correct: boolean }> {
  const store = await kind.open(dir)
  const started = performance.now()
  const { doc, readMs } = await store.load('doc')
  const totalMs = performance.now() - started
  const correct = sameContent(doc, reference)
  await store.close()
  return { readMs, totalMs, correct }
}

async function measureLoads(kind: StoreKind, entries: number, history: { updates: Uint8Array[]; final: Y.Doc }, repeats: number) {
  return inTempDir(async (dir) => {
    const loads: LoadResult[] = []
    await writeHistory(kind, dir, history.updates)
    const diskBytes = await bytesOnDisk(dir)
    await compactDir(dir)
    const compactedBytes = await bytesOnDisk(dir)
    const raw = rawBytes(history.updates)
    const bytes: BytesResult = {
      system: kind.label,
      entries,
      rawBytesPerEntry: raw / entries,
      diskBytesPerEntry: diskBytes / entries,
      ratio: diskBytes / raw,
      compactedBytesPerEntry: compactedBytes / entries,
      compactedRatio: compactedBytes / raw,
    }
    // Without checkpoints, the loading log must not start making them either.
    const bare = rotaKind('sync', { checkpointEvery: 2 ** 40, checkpointBytes: 2 ** 40 }, kind.label)
    const measure = async (checkpoints: boolean, times: number) => {
      const runs = []
      for (let r = 0; r < times; r++) runs.push(await loadOnce(checkpoints || !kind.id.startsWith('rota') ? kind : bare, dir, history.final))
      loads.push({
        system: kind.label,
        entries,
        checkpoints,
        readMs: median(runs.map((run) => run.readMs)),
        totalMs: median(runs.map((run) => run.totalMs)),
        correct: runs.every((run) => run.correct),
      })
    }
    if (kind.id.startsWith('rota')) {
      await measure(true, repeats)
      const log = await openLevelLog({ dir, checkpointOnClose: false })
      await log.dropCheckpoints()
      await log.close()
      // Without checkpoints a load merges every entry: once, and in quick mode only up to 10k.
      if (!quick || entries <= 10_000) await measure(false, entries >= 100_000 ? 1 : repeats)
    } else {
      // y-leveldb folds its log into one update on the first load past 500 entries: only that first load is cold.
      await measure(false, 1)
    }
    return { loads, bytes }
  })
}

// ── run ─────────────────────────────────────────────────────────────────────────────────────

const started = performance.now()
out(`# Update log benchmark (${quick ? 'quick' : 'full'}) · ${cpus().length} cores · load ${loadavg()[0]!.toFixed(1)}`)
out(`Rota checkpoint defaults: every ${DEFAULT_CHECKPOINT_EVERY} entries or ${DEFAULT_CHECKPOINT_BYTES / 1024} KiB (and ≥ 1/64 of the entries behind the last one)`)

// Warm the JIT on both paths so that the first figures are not compile time.
{
  const warm = scheduleHistory(1000)
  for (const kind of [rotaKind('buffered'), yLeveldbKind]) await measureLoads(kind, 1000, warm, 1)
}

const pool = scheduleHistory(3000).updates
const appendKinds = [rotaKind('sync'), rotaKind('buffered'), yLeveldbKind]
const appendResults: AppendResult[] = []
if (only === undefined || only === 'appends') out('\n## [L1] appends/s (each acknowledged append: Rota sync = on disk after fsync; y-leveldb = written, no fsync)')
out('system'.padEnd(20) + 'docs'.padStart(6) + 'writers'.padStart(9) + 'appends/s'.padStart(12))
for (const docs of only === undefined || only === 'appends' ? [1, 100] : []) {
  for (const writers of [1, 10, 100]) {
    for (const kind of appendKinds) {
      const result = await measureAppends(kind, writers, docs, quick ? 0.5 : 4, pool)
      appendResults.push(result)
      out(result.system.padEnd(20) + String(docs).padStart(6) + String(writers).padStart(9) + String(result.perSecond).padStart(12))
    }
  }
}

/** `--sizes 100000,1000000` loads only those history sizes (while tuning). */
const sizesIndex = args.indexOf('--sizes')
const sizes =
  only !== undefined && only !== 'load'
    ? []
    : sizesIndex >= 0
      ? (args[sizesIndex + 1] ?? '').split(',').map(Number).filter((n) => Number.isSafeInteger(n) && n > 0)
      : quick
        ? [1_000, 10_000, 100_000]
        : [1_000, 10_000, 100_000, 1_000_000]
const loadResults: LoadResult[] = []
const bytesResults: BytesResult[] = []
out('\n## [L2] cold load (fresh log instance; ms; median of 3 with checkpoints) and [L3] bytes on disk per entry')
out('system'.padEnd(20) + 'entries'.padStart(9) + 'ckpt'.padStart(6) + 'read ms'.padStart(10) + 'total ms'.padStart(10) + 'ok'.padStart(4))
for (const entries of sizes) {
  // A million entries through four concurrent replicas would hold four million-struct documents.
  const history = entries > 100_000 ? sequentialHistory(entries) : scheduleHistory(entries)
  // y-leveldb stores entries one transaction at a time: 1M would take most of an hour.
  const kinds = entries <= (quick ? 10_000 : 100_000) ? [rotaKind('sync'), yLeveldbKind] : [rotaKind('sync')]
  for (const kind of kinds) {
    const { loads, bytes } = await measureLoads(kind, entries, history, 3)
    bytesResults.push(bytes)
    for (const load of loads) {
      loadResults.push(load)
      out(
        load.system.padEnd(20) +
          String(entries).padStart(9) +
          (load.checkpoints ? 'yes' : 'no').padStart(6) +
          load.readMs.toFixed(1).padStart(10) +
          load.totalMs.toFixed(1).padStart(10) +
          (load.correct ? 'ok' : 'BAD').padStart(4),
      )
    }
  }
}
out('\n(disk = every file after close, the write-ahead log included; compacted = after a full LevelDB compaction)')
out('system'.padEnd(20) + 'entries'.padStart(9) + 'raw B/entry'.padStart(13) + 'disk B/entry'.padStart(14) + 'ratio'.padStart(8) + 'compacted'.padStart(11) + 'ratio'.padStart(8))
for (const b of bytesResults) {
  out(
    b.system.padEnd(20) +
      String(b.entries).padStart(9) +
      b.rawBytesPerEntry.toFixed(1).padStart(13) +
      b.diskBytesPerEntry.toFixed(1).padStart(14) +
      b.ratio.toFixed(2).padStart(8) +
      b.compactedBytesPerEntry.toFixed(1).padStart(11) +
      b.compactedRatio.toFixed(2).padStart(8),
  )
}

let soak: unknown
if (soakRounds > 0) {
  out(`\n## [L4] crash soak: ${soakRounds} SIGKILL rounds`)
  soak = await inTempDir(async (dir) => {
    const seed = Date.now() % 1_000_000
    const report = await runCrashRounds({ dir, rounds: soakRounds, seed, writers: 50, docs: 8, minRunMs: 20, maxRunMs: 500 })
    out(`rounds ${report.rounds}, acknowledged appends ${report.acknowledged}, problems ${report.problems.length} (seed ${seed})`)
    for (const problem of report.problems) out(`  ${problem}`)
    return report
  })
}

const at100 = (system: string, docs: number) => appendResults.find((r) => r.system === system && r.writers === 100 && r.docs === docs)?.perSecond ?? 0
const rotaSync = rotaKind('sync').label
const load100k = loadResults.find((l) => l.system === rotaSync && l.entries === 100_000 && l.checkpoints)
const bytes100k = bytesResults.find((b) => b.system === rotaSync && b.entries === Math.max(...sizes.filter((s) => s <= 100_000)))
const targets = {
  appendsAt100WritersVsYLeveldb: {
    oneDoc: at100(rotaSync, 1) / Math.max(1, at100(yLeveldbKind.label, 1)),
    hundredDocs: at100(rotaSync, 100) / Math.max(1, at100(yLeveldbKind.label, 100)),
    target: 5,
  },
  coldLoad100kMs: { read: load100k?.readMs, total: load100k?.totalMs, target: 100 },
  bytesPerEntryRatio: { value: bytes100k?.ratio, compacted: bytes100k?.compactedRatio, target: 1.5 },
}
out('\n## targets')
out(`appends/s at 100 writers, Rota sync ÷ y-leveldb: ${targets.appendsAt100WritersVsYLeveldb.oneDoc.toFixed(1)}× (1 doc), ${targets.appendsAt100WritersVsYLeveldb.hundredDocs.toFixed(1)}× (100 docs); target ≥ 5×`)
out(`cold load of 100k entries: read ${load100k?.readMs.toFixed(1)} ms, read + Y.Doc ${load100k?.totalMs.toFixed(1)} ms; target < 100 ms`)
out(`bytes on disk ÷ raw update bytes at ${bytes100k?.entries} entries: ${bytes100k?.ratio.toFixed(2)} after close (${bytes100k?.compactedRatio.toFixed(2)} compacted); target ≤ 1.5`)

const results = {
  benchmark: 'log',
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  durationSeconds: Math.round((performance.now() - started) / 1000),
  machine: { cores: cpus().length, model: cpus()[0]?.model, loadAverage: loadavg(), node: process.version },
  checkpointDefaults: { every: DEFAULT_CHECKPOINT_EVERY, bytes: DEFAULT_CHECKPOINT_BYTES },
  appends: appendResults,
  coldLoad: loadResults,
  bytes: bytesResults,
  targets,
  ...(soak === undefined ? {} : { soak }),
}
// Like the main report: a full run writes the committed benchmarks/results/log.json, a quick one the ignored tmp/.
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results', ...(quick ? ['tmp'] : []))
await mkdir(resultsDir, { recursive: true })
await writeFile(join(resultsDir, 'log.json'), `${JSON.stringify(results, null, 2)}\n`)
out(`\nwrote ${join(resultsDir, 'log.json')} in ${results.durationSeconds} s`)
