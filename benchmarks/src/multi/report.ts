// docs/benchmarks/multi-instance.md from the JSON of a run: the figures, the machine and configuration, and what the
// figures mean on this machine and predict for larger ones (the arithmetic is done here, from the measured numbers).
import type { MachineInfo } from '../report/machine.ts'
import { percentile } from '../scenarios/sync.ts'
import type { FailoverFigures, FailoverParams } from './failover.ts'
import type { DiskFigures } from './stores.ts'
import type { ThroughputFigures, ThroughputParams } from './throughput.ts'

export interface MultiResults {
  mode: 'quick' | 'full'
  seed: number
  date: string
  seconds: number
  machine: MachineInfo
  throughputParams: ThroughputParams
  failoverParams: FailoverParams
  throughput: ThroughputFigures[]
  disk: DiskFigures
  failover: FailoverFigures
}

const n = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
/** Two significant digits: a prediction is not more precise than that. */
const about = (value: number): string => n(Number(value.toPrecision(2)))
const ms = (value: number): string => (value < 10 ? `${n(value, 1)} ms` : `${n(value)} ms`)

const throughputTable = (rows: ThroughputFigures[]): string[] => [
  '| instances | edits/s (flat out, until every client holds every edit) | Rota CPU per 1,000 edits (sum of instances) | PostgreSQL + Redis CPU per 1,000 edits | instances\' CPU while flat out (cores) | fan-out p50 | fan-out p99 | offered load achieved |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.instances} | ${n(r.editsPerSecond)} | ${n(r.serverCpuMsPer1kEdits)} ms | ${n(r.storeCpuMsPer1kEdits)} ms | ${n(r.serverCoreShare, 2)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${n(r.achievedPerSecond)} edits/s |`),
]

const failoverLines = (f: FailoverFigures): string[] => {
  const kinds: Array<['stock' | 'provider', string]> = [['stock', 'stock y-websocket client (its default reconnect: 100 ms, then doubling)'], ['provider', 'Rota provider (its default backoff: 1 s ± 20 %, ×1.5)']]
  return [
    '| client | samples | p50 | max |',
    '|---|---|---|---|',
    ...kinds.map(([kind, label]) => {
      const times = f.samples.filter((s) => s.kind === kind).map((s) => s.ms).sort((a, b) => a - b)
      return times.length === 0 ? `| ${label} | 0 | — | — |` : `| ${label} | ${times.length} | ${ms(percentile(times, 50))} | ${ms(times[times.length - 1]!)} |`
    }),
    ...(f.stuck.length > 0 ? ['', `**Not converged within 60 s:** ${f.stuck.join(', ')}.`] : []),
  ]
}

/** What a machine with more cores would do, from the measured CPU costs (ms of CPU per 1,000 edits). */
const predictions = (one: ThroughputFigures, three: ThroughputFigures, cores: number): string[] => {
  // ms of CPU per 1,000 edits → edits per second of one core.
  const perCoreAffinity = 1_000_000 / one.serverCpuMsPer1kEdits
  const perCoreSpread = 1_000_000 / three.serverCpuMsPer1kEdits
  const dbPer1k = Math.max(one.storeCpuMsPer1kEdits, three.storeCpuMsPer1kEdits)
  const spreadCost = three.serverCpuMsPer1kEdits / one.serverCpuMsPer1kEdits
  return [
    `- **Why throughput cannot scale here.** This machine has ${cores} cores, and the instances, PostgreSQL, Redis and the three`,
    `  client processes all run on them: with 3 instances the instances together used ${n(three.serverCoreShare, 2)} cores while flat out`,
    `  (1 instance: ${n(one.serverCoreShare, 2)}). Adding instances adds no cores, so edits/s stays what the machine sustains`,
    `  (${n(one.editsPerSecond)} → ${n(three.editsPerSecond)} edits/s); the figures that carry over to other machines are the CPU costs.`,
    `- **The cost of spreading one document over instances.** Every client of a document here sits on a different instance, so each`,
    `  edit is applied and relayed by all three (one commits and publishes, two apply it from Redis): ${n(three.serverCpuMsPer1kEdits)} ms of`,
    `  Rota CPU per 1,000 edits against ${n(one.serverCpuMsPer1kEdits)} ms on one instance (×${n(spreadCost, 2)}). That is the price of a`,
    '  balancer without affinity; it is paid per document per instance that has the document open, not per instance in the cluster.',
    `  The database works more too (${n(one.storeCpuMsPer1kEdits)} → ${n(three.storeCpuMsPer1kEdits)} ms per 1,000 edits; not profiled: the likely reads are the`,
    '  resolver\'s lease holder reading the other instances\' entries from the log, and rooms reading the seqs the bus delivered',
    '  out of order or the heads repair found missing).',
    `- **Cross-instance fan-out.** p50 ${ms(three.p50Ms)} / p99 ${ms(three.p99Ms)} with 3 instances (sender and receiver always on`,
    `  different instances) against ${ms(one.p50Ms)} / ${ms(one.p99Ms)} on one: the bus hop (publish after COMMIT, Redis, apply) on`,
    '  a loaded 2-core machine. A relay on one instance does not wait for the disk; across instances it waits for the commit.',
    `- **Prediction for C cores.** With a balancer that keeps a document on one instance (hash by \`/<doc>\`, see`,
    `  docs/operations.md), documents are independent and each instance costs ≈ ${n(one.serverCpuMsPer1kEdits)} ms per 1,000 edits: about`,
    `  ${about(perCoreAffinity)} edits/s per core given to Rota, so ≈ ${about(perCoreAffinity * 16)} edits/s for 16 cores of instances: an upper`,
    `  bound from CPU alone, reached only while PostgreSQL keeps up. It needed ≈ ${n(dbPer1k)} ms of CPU per 1,000 edits here (with`,
    `  Redis), one database core per ≈ ${about(1_000_000 / dbPer1k)} edits/s, and it commits each document's appends one group-committed batch`,
    '  at a time per instance, so one busy document is bounded by commit latency, not by cores. Round-robin without affinity, with',
    `  every document open on every instance, costs ≈ ${n(three.serverCpuMsPer1kEdits)} ms per 1,000 edits across 3 instances: ≈ ${about(perCoreSpread)} edits/s per`,
    '  core, and more instances per document cost more. These come from a shared 2-core VM where clients and servers compete for',
    '  the same cores: read them as orders of magnitude, and the 1 : 3 ratios as the finding.',
  ]
}

export const renderMulti = (r: MultiResults): string => {
  const [one, three] = r.throughput as [ThroughputFigures, ThroughputFigures]
  const p = r.throughputParams
  return [
    '# Several instances: one PostgreSQL log, one Redis bus',
    '',
    `Generated by \`npm run bench:multi -w @rota/benchmarks\`${r.mode === 'quick' ? ' -- --quick' : ''} (benchmarks/src/multi/) on ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.seconds} s;`,
    `seed ${r.seed}. Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGB} GB, ${r.machine.platform}, Node ${r.machine.node};`,
    `load average when it ended ${r.machine.loadAverage.join(' / ')}. The figures in JSON: [multi-instance.json](multi-instance.json).`,
    '',
    'Configuration, the same for 1 and 3 instances: the compiled `rota serve` (what `npm start` runs) with every extension it',
    'runs and the resolver on, `--log-url` on one PostgreSQL (`.ci/postgres.sh`: fsync and synchronous_commit on), `--bus-url` on',
    'one redis-server (no persistence), distinct `--instance-id`s, open mode on 127.0.0.1 and no per-address limits (as the other',
    'benchmarks). Everything, clients included, runs on this one machine.',
    '',
    `## [M1] Throughput, CPU and cross-instance fan-out`,
    '',
    `${p.docs} documents × 3 stock y-websocket clients in 3 client processes (schedules of ${p.schedule.staff} staff, ${p.schedule.days} days,`,
    `${p.schedule.shiftsPerDay} shifts a day); client c of every document connects to instance c mod N, so with 3 instances every`,
    `latency sample is sender on one instance, receiver on another. Flat out: ${p.editsPerClient} edits per client, as fast as the clients`,
    `send. Fan-out: ${p.offeredPerSecond} edits/s offered for ${p.offeredSeconds} s, latency of every (edit, receiver) pair. CPU from`,
    '/proc of every instance (summed) and of PostgreSQL\'s processes and redis-server.',
    '',
    ...throughputTable(r.throughput),
    '',
    '## [M2] Time for a client to converge after its instance died',
    '',
    `3 instances behind the round-robin balancer (apps/rota/src/multi-instance/balancer.ts), ${r.failoverParams.editors} clients (half stock`,
    `y-websocket, half Rota providers) on one ward's schedule, each editing every ${r.failoverParams.editIntervalMs} ms; ${r.failoverParams.kills} times the instance`,
    'with the most clients is killed with SIGKILL (and started again afterwards). A client of the dead instance has converged when',
    'it is connected and synced again through the balancer, holds every edit the others made before the kill, the others hold',
    'every edit it had made, and (a provider) every edit of its own is acknowledged as durable. Timed from the kill.',
    '',
    ...failoverLines(r.failover),
    '',
    'The reconnect delay of each client library is most of it: the state exchange on reconnect is one sync round trip.',
    '',
    '## [M3] Bytes on disk per entry',
    '',
    `The ${n(r.disk.entries)} entries the 3-instance run of M1 wrote (each a Yjs update with its metadata), in PostgreSQL and, copied`,
    'in seq order with the same metadata, in the embedded LevelDB log (`@rota/log-leveldb`, its checkpoints included, after close).',
    '',
    '| store | bytes per entry |',
    '|---|---|',
    `| PostgreSQL, \`rota_entries\` (table, TOAST and indexes; after VACUUM) | ${n(r.disk.postgresEntriesBytesPerEntry)} B |`,
    `| PostgreSQL, every table of the schema (entries, checkpoints, documents, resolver) | ${n(r.disk.postgresSchemaBytesPerEntry)} B |`,
    `| LevelDB log directory (entries, checkpoints, indexes; Snappy-compressed blocks) | ${n(r.disk.leveldbBytesPerEntry)} B |`,
    '',
    `PostgreSQL keeps ≈ ${n(r.disk.postgresEntriesBytesPerEntry / r.disk.leveldbBytesPerEntry, 1)}× the bytes of LevelDB per entry: a row header and`,
    'alignment per row, the metadata as columns rather than one packed value, a primary-key index, and no block compression (small',
    'updates stay below the TOAST threshold, so nothing compresses them). Not counted: PostgreSQL\'s WAL, which is recycled.',
    '',
    '## What the figures mean',
    '',
    ...predictions(one, three, r.machine.cpus),
    '',
  ].join('\n')
}
