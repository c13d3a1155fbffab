/**
 * Shared by this package's tests: the PostgreSQL they run against and a fresh schema per test, so
 * that test files (and tests) run in parallel on one server. The server comes from
 * ROTA_TEST_POSTGRES_URL (CI starts one with .ci/postgres.sh); without it the tests skip, and say so.
 */
import pg from 'pg'
import { migrate } from './schema.ts'

export const POSTGRES_URL = process.env.ROTA_TEST_POSTGRES_URL ?? ''
export const HAS_POSTGRES = POSTGRES_URL !== ''

if (!HAS_POSTGRES) {
  console.warn('[@rota/log-postgres] ROTA_TEST_POSTGRES_URL is not set: the PostgreSQL tests are SKIPPED (start one with `eval "$(.ci/postgres.sh start)"`)')
}

let counter = 0

/** A new, empty schema name, unique across processes and test files. */
export function schemaName(): string {
  return `t_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e9).toString(36)}`
}

/** Creates a schema with the log's tables in it (as `rota migrate` does); `drop` removes it. */
export async function migratedSchema(url = POSTGRES_URL): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = schemaName()
  await migrate(url, { schema })
  return { schema, drop: async () => void (await sql(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`)) }
}

/** Runs one statement on a short-lived connection (test set-up and damage). */
export async function sql(url: string, text: string, values: unknown[] = [], schema?: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }) })
  await client.connect()
  try {
    return await client.query(text, values)
  } finally {
    await client.end()
  }
}
