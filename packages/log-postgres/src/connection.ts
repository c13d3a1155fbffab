/**
 * How the log connects: the driver's settings shared by the read pool, the writer and `migrate`
 * (the schema as search_path, 64-bit integers as numbers), and the durability check each writer
 * session passes before its first batch.
 *
 * Driver: `pg` (node-postgres). It is the most used PostgreSQL client for Node, maintained for over
 * a decade, pure JavaScript (no native build); a query's promise settles on ReadyForQuery, which for
 * a single statement outside a transaction comes after its implicit COMMIT, so "resolved" means
 * "committed"; and a `Client` is one session we own, which is what one batch in flight on one
 * checked writer session needs. postgres.js would do too; `pg` has the longer record.
 */
import pg from 'pg'
import { LogErrorCode, RotaLogError } from '@rota/log'

export interface ConnectionOptions {
  /** The schema holding the log's tables (created by `migrate`). Default `rota`. */
  schema?: string
  /** Reported as application_name in pg_stat_activity. Default `rota`. */
  applicationName?: string
}

export const DEFAULT_SCHEMA = 'rota'

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export function validateSchemaName(schema: unknown = DEFAULT_SCHEMA): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new RotaLogError(LogErrorCode.InvalidArgument, 'schema must be a lower-case SQL identifier (a-z, 0-9, _)', { field: 'schema' })
  }
  return schema
}

const INT8 = 20
const INT8_ARRAY = 1016

/** Every integer the log stores is a safe integer (validated on the way in), so numbers are exact. */
const builtinParser = pg.types.getTypeParser as (oid: number, format: 'text' | 'binary') => (value: string) => unknown
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value)
    if (oid === INT8_ARRAY) {
      const parseArray = builtinParser(INT8_ARRAY, 'text') as (value: string) => string[]
      return (value: string) => parseArray(value).map(Number)
    }
    return builtinParser(oid, format ?? 'text')
  },
} as pg.CustomTypesConfig

export function connectionConfig(url: string, options: ConnectionOptions): pg.ClientConfig {
  const schema = validateSchemaName(options.schema)
  return {
    connectionString: url,
    application_name: options.applicationName ?? 'rota',
    // Every session resolves the log's table names in its schema (the functions pin it as well).
    options: `-c search_path=${schema}`,
    types,
  }
}

/** Where a URL points, without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}${parsed.port === '' ? '' : `:${parsed.port}`}${parsed.pathname}`
  } catch {
    return 'the configured PostgreSQL URL'
  }
}

/**
 * An acknowledged append must survive a PostgreSQL crash: that needs the WAL flushed at COMMIT
 * (synchronous_commit on; remote_apply also waits for a standby) and flushes that reach the disk
 * (fsync on). With either off a crash loses committed transactions, so the log refuses to start.
 */
export function checkDurableSettings(settings: { fsync: string; synchronousCommit: string }, url: string): void {
  const where = describeUrl(url)
  if (settings.fsync !== 'on') {
    throw new RotaLogError(
      LogErrorCode.OpenFailed,
      `PostgreSQL at ${where} runs with fsync=${settings.fsync}: a crash would lose acknowledged edits; set fsync=on`,
      { field: 'fsync' },
    )
  }
  if (settings.synchronousCommit !== 'on' && settings.synchronousCommit !== 'remote_apply') {
    throw new RotaLogError(
      LogErrorCode.OpenFailed,
      `PostgreSQL at ${where} runs with synchronous_commit=${settings.synchronousCommit}: a crash would lose acknowledged edits; set synchronous_commit=on (for the server, database or role)`,
      { field: 'synchronous_commit' },
    )
  }
}

/** Reads the session's effective settings (server, database and role defaults applied) and checks them. */
export async function checkSession(client: pg.ClientBase, url: string): Promise<void> {
  const { rows } = await client.query<{ fsync: string; synchronous_commit: string }>(
    "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
  )
  const row = rows[0]!
  checkDurableSettings({ fsync: row.fsync, synchronousCommit: row.synchronous_commit }, url)
}

/** The schema version the database holds; 0 when `migrate` never ran on this schema. */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass('rota_schema') IS NOT NULL AS exists")
  if (rows[0]?.exists !== true) return 0
  const version = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM rota_schema')
  return version.rows[0]?.version ?? 0
}
