// What the multi-instance benchmark reads besides the Rota processes: the CPU of PostgreSQL and Redis (they do server
// work too), the size of the log's tables, and the same entries written to an embedded LevelDB log for comparison.
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'
import { openLevelLog } from '@rota/log-leveldb'
import { openPostgresLog } from '@rota/log-postgres'
import { readProcessStats } from '../proc/stats.ts'
import { diskBytes } from '../scenarios/harness.ts'

/** The pids of a process and its children (PostgreSQL's postmaster forks one backend per connection). */
const withChildren = async (pid: number): Promise<number[]> => {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[])
  const children = await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')))
  return [pid, ...children.join(' ').split(/\s+/).filter((s) => s !== '').map(Number)]
}

/** CPU milliseconds used so far by each database process the benchmark can see, by pid. */
export type StoreCpu = Map<number, number>

/**
 * The postmaster and its children (when the cluster's directory is known) and redis-server. Compare two readings
 * with `storeCpuSince`: a backend that started in between counts from zero, one that exited is not counted (the
 * log's pools keep theirs open for the whole run).
 */
export const readStoreCpu = async (dirs: { postgres?: string | undefined; redis: string }): Promise<StoreCpu> => {
  const pids: number[] = []
  if (dirs.postgres !== undefined) {
    const postmaster = Number((await readFile(path.join(dirs.postgres, 'data', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0])
    if (postmaster > 0) pids.push(...await withChildren(postmaster))
  }
  const redis = Number(await readFile(path.join(dirs.redis, 'redis.pid'), 'utf8').catch(() => '0'))
  if (redis > 0) pids.push(redis)
  const stats = await Promise.all(pids.map(async (pid) => [pid, await readProcessStats(pid).then((s) => s.cpuMs, () => 0)] as const))
  return new Map(stats)
}

/** CPU milliseconds the database processes used between two readings. */
export const storeCpuSince = (before: StoreCpu, after: StoreCpu): number =>
  [...after].reduce((sum, [pid, cpu]) => sum + cpu - (before.get(pid) ?? 0), 0)

export interface DiskFigures {
  entries: number
  /** pg_total_relation_size of rota_entries (table, TOAST, indexes) per entry. */
  postgresEntriesBytesPerEntry: number
  /** Every table of the schema (entries, checkpoints, docs, resolver tables…) per entry. */
  postgresSchemaBytesPerEntry: number
  /** The LevelDB log directory holding the same entries (with its own checkpoints), per entry, after close. */
  leveldbBytesPerEntry: number
}

/** Sizes on disk of the log's entries in PostgreSQL, and of the same entries (same updates, same metadata) in LevelDB. */
export const measureDisk = async (postgresUrl: string, schema: string, leveldbDir: string): Promise<DiskFigures> => {
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  let entries: number
  let entriesBytes: number
  let schemaBytes: number
  try {
    // VACUUM makes the visibility map and free space what a steady state has; sizes are then comparable run to run.
    await client.query(`VACUUM "${schema}".rota_entries`)
    const counted = await client.query<{ n: string; bytes: string }>(`SELECT count(*) AS n, pg_total_relation_size('"${schema}".rota_entries') AS bytes FROM "${schema}".rota_entries`)
    entries = Number(counted.rows[0]!.n)
    entriesBytes = Number(counted.rows[0]!.bytes)
    const all = await client.query<{ bytes: string }>(
      `SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind = 'r'`, [schema])
    schemaBytes = Number(all.rows[0]!.bytes)
  } finally {
    await client.end()
  }
  // The same entries, in seq order, into the embedded log, as `rota serve` without --log-url would have written them.
  const source = await openPostgresLog({ url: postgresUrl, schema, checkpointOnClose: false })
  const level = await openLevelLog({ dir: leveldbDir })
  try {
    for await (const summary of source.listDocs()) {
      for await (const entry of source.read(summary.doc)) await level.append(summary.doc, entry.update, entry.meta)
    }
  } finally {
    await source.close()
    await level.close()
  }
  const leveldbBytes = await diskBytes(leveldbDir)
  return {
    entries,
    postgresEntriesBytesPerEntry: entriesBytes / entries,
    postgresSchemaBytesPerEntry: schemaBytes / entries,
    leveldbBytesPerEntry: leveldbBytes / entries,
  }
}
