/**
 * Shared by this package's tests: the PostgreSQL they run against (ROTA_TEST_POSTGRES_URL, as for
 * @rota/log-postgres; CI starts one with .ci/postgres.sh) and a fresh schema per test. Without it the
 * tests skip, and say so.
 */
import pg from 'pg'
import { migrateResolverStore } from './schema.ts'

export const POSTGRES_URL = process.env.ROTA_TEST_POSTGRES_URL ?? ''
export const HAS_POSTGRES = POSTGRES_URL !== ''

if (!HAS_POSTGRES) {
  console.warn('[@rota/resolver-postgres] ROTA_TEST_POSTGRES_URL is not set: the PostgreSQL tests are SKIPPED (start one with `eval "$(.ci/postgres.sh start)"`)')
}

let counter = 0

/** A new schema with the resolver's tables in it (as `rota migrate` makes them); `drop` removes it. */
export async function migratedSchema(url = POSTGRES_URL): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `r_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e9).toString(36)}`
  await migrateResolverStore(url, { schema })
  return { schema, drop: async () => void (await sql(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`)) }
}

/** Runs one statement on a short-lived connection (test set-up). */
export async function sql(url: string, text: string, values: unknown[] = [], schema?: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }) })
  await client.connect()
  try {
    return await client.query(text, values)
  } finally {
    await client.end()
  }
}
