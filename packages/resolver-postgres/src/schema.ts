/**
 * The resolver's tables, as numbered migrations with their own version row (`rota_resolver_schema`), in
 * the log's schema. Servers never run DDL: `rota migrate` calls `migrateResolverStore` beside the log's
 * `migrate`, and `openPostgresResolverStore` refuses a schema that is missing or at another version.
 *
 * Records and team states are JSON in `text` columns, not `jsonb`: jsonb rejects the escape `\u0000`,
 * which a name typed by an editor may carry, and nothing queries inside them.
 */
import pg from 'pg'
import { connectionConfig, storeError, validateSchemaName, type ConnectionOptions } from './connection.ts'

/** The version `openPostgresResolverStore` expects. */
export const RESOLVER_SCHEMA_VERSION = 1

const VERSION_1 = [
  // One row per conflict. `claimed`: an automatic resolution in flight, hidden until it is finished.
  `CREATE TABLE rota_resolver_conflicts (
    doc text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    status text NOT NULL,
    claimed boolean NOT NULL,
    record text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (doc, id)
  )`,
  // `version` is the compare-and-set token of updateTeam: bumped by every write.
  `CREATE TABLE rota_resolver_teams (
    team text COLLATE "C" PRIMARY KEY,
    version bigint NOT NULL,
    state text NOT NULL
  )`,
  // Who examines a document now, until when (ms on the holders' clocks), and the last seq examined.
  `CREATE TABLE rota_resolver_leases (
    doc text COLLATE "C" PRIMARY KEY,
    holder text NOT NULL,
    expires_at bigint NOT NULL,
    progress bigint
  )`,
]

const MIGRATIONS: readonly (readonly string[])[] = [VERSION_1]

export interface ResolverMigrateReport {
  schema: string
  from: number
  to: number
}

/** Creates the resolver's tables or brings them up to date, in one transaction; concurrent calls wait for each other. */
export async function migrateResolverStore(url: string, options: ConnectionOptions = {}): Promise<ResolverMigrateReport> {
  const schema = validateSchemaName(options.schema)
  const client = new pg.Client(connectionConfig(url, { ...options, schema }))
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rota-resolver-migrate:${schema}`])
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    await client.query('CREATE TABLE IF NOT EXISTS rota_resolver_schema (version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())')
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM rota_resolver_schema')
    const from = rows[0]?.version ?? 0
    for (let version = from + 1; version <= MIGRATIONS.length; version++) {
      for (const statement of MIGRATIONS[version - 1]!) await client.query(statement)
      await client.query('INSERT INTO rota_resolver_schema (version) VALUES ($1)', [version])
    }
    await client.query('COMMIT')
    return { schema, from, to: Math.max(from, MIGRATIONS.length) }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw storeError(url, 'migrating', error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** The resolver schema version the database holds; 0 when `migrate` never ran on this schema. */
export async function resolverSchemaVersion(client: pg.ClientBase | pg.Pool): Promise<number> {
  const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass('rota_resolver_schema') IS NOT NULL AS exists")
  if (rows[0]?.exists !== true) return 0
  const version = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM rota_resolver_schema')
  return version.rows[0]?.version ?? 0
}
