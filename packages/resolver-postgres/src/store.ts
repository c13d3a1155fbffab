/**
 * The resolver's store on PostgreSQL, shared by every instance on one database.
 *
 * - `claim` is `INSERT … ON CONFLICT DO NOTHING`, `transition` is `UPDATE … WHERE <stored status> =
 *   expected`: each a single statement on one row, so the row lock makes it a compare-and-set. Of two
 *   instances racing on one conflict exactly one statement reports a row; the other sees the winner's
 *   committed row (READ COMMITTED re-checks the WHERE on the updated row) and reports none. That is what
 *   keeps a conflict from getting two resolutions, leases or not.
 * - `updateTeam` is optimistic: read the state and its `version`, compute, `UPDATE … WHERE version = read`
 *   (or `INSERT … ON CONFLICT DO NOTHING` for a new team), retry on a miss. Chosen over `SELECT … FOR
 *   UPDATE` in a transaction because the update is JavaScript: a row lock held across that round trip pins
 *   a pooled session per waiting caller and queues every instance behind it, while team writes are rare
 *   (one per human decision) so a retry almost never happens; no session is held between statements.
 */
import pg from 'pg'
import { ResolverError, ResolverErrorCode, type ConflictRecord, type ConflictStatus, type ResolverStore, type TeamState } from '@rota/resolver'
import { connectionConfig, describeUrl, storeError, type ConnectionOptions } from './connection.ts'
import { createPostgresLease, type LeaseOptions } from './lease.ts'
import type { DocLease } from '@rota/resolver'
import { RESOLVER_SCHEMA_VERSION, resolverSchemaVersion } from './schema.ts'

export interface PostgresResolverStoreOptions extends ConnectionOptions {
  url: string
  /** Sessions in the pool. Default 4: the resolver's writes are few and short. */
  poolSize?: number
}

export interface PostgresResolverStore extends ResolverStore {
  /** The lease of instance `holder` on this database (lease.ts). */
  lease(holder: string, options?: LeaseOptions): DocLease
}

/** Compare-and-set attempts of one updateTeam before it gives up (only a team written without pause hits it). */
const TEAM_ATTEMPTS = 100

export async function openPostgresResolverStore(options: PostgresResolverStoreOptions): Promise<PostgresResolverStore> {
  const { url } = options
  const pool = new pg.Pool({ ...connectionConfig(url, options), max: options.poolSize ?? 4 })
  // An idle session that dies (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined)
  try {
    const version = await resolverSchemaVersion(pool)
    if (version !== RESOLVER_SCHEMA_VERSION) {
      throw new ResolverError(ResolverErrorCode.Store,
        version === 0
          ? `the resolver's tables are missing in schema "${options.schema ?? 'rota'}" at ${describeUrl(url)}: run rota migrate`
          : `the resolver's tables in schema "${options.schema ?? 'rota'}" are at version ${version}, this Rota needs ${RESOLVER_SCHEMA_VERSION}: run rota migrate`,
        { version, expected: RESOLVER_SCHEMA_VERSION })
    }
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw storeError(url, 'opening', error)
  }

  const query = async <R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> => {
    try {
      return await pool.query<R>(text, values)
    } catch (error) {
      throw storeError(url, doing, error)
    }
  }
  let closed: Promise<void> | undefined

  return {
    async claim(record: ConflictRecord) {
      const result = await query('claiming a conflict',
        `INSERT INTO rota_resolver_conflicts (doc, id, status, claimed, record) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (doc, id) DO NOTHING`,
        [record.doc, record.id, record.status, record.status === 'auto_applied', JSON.stringify(record)])
      return result.rowCount === 1
    },
    async transition(record: ConflictRecord, expected: ConflictStatus | 'claimed') {
      const result = await query('changing a conflict',
        `UPDATE rota_resolver_conflicts SET status = $3, claimed = false, record = $4, updated_at = now()
         WHERE doc = $1 AND id = $2 AND (CASE WHEN $5 = 'claimed' THEN claimed ELSE NOT claimed AND status = $5 END)`,
        [record.doc, record.id, record.status, JSON.stringify(record), expected])
      return result.rowCount === 1
    },
    async get(doc, id) {
      const { rows } = await query<{ record: string }>('reading a conflict',
        'SELECT record FROM rota_resolver_conflicts WHERE doc = $1 AND id = $2 AND NOT claimed', [doc, id])
      return rows[0] === undefined ? undefined : (JSON.parse(rows[0].record) as ConflictRecord)
    },
    async list(doc) {
      const { rows } = await query<{ record: string }>('listing conflicts',
        'SELECT record FROM rota_resolver_conflicts WHERE doc = $1 AND NOT claimed ORDER BY id', [doc])
      return rows.map((r) => JSON.parse(r.record) as ConflictRecord)
    },
    async getTeam(team) {
      const { rows } = await query<{ state: string }>('reading a team', 'SELECT state FROM rota_resolver_teams WHERE team = $1', [team])
      return rows[0] === undefined ? undefined : (JSON.parse(rows[0].state) as TeamState)
    },
    async putTeam(team, state) {
      // The version moves too, so an updateTeam that read before this write retries on it.
      await query('writing a team',
        `INSERT INTO rota_resolver_teams (team, version, state) VALUES ($1, 1, $2)
         ON CONFLICT (team) DO UPDATE SET state = EXCLUDED.state, version = rota_resolver_teams.version + 1`,
        [team, JSON.stringify(state)])
    },
    async updateTeam(team, update) {
      for (let attempt = 0; attempt < TEAM_ATTEMPTS; attempt++) {
        const { rows } = await query<{ version: string; state: string }>('reading a team',
          'SELECT version, state FROM rota_resolver_teams WHERE team = $1', [team])
        const row = rows[0]
        const next = update(row === undefined ? undefined : (JSON.parse(row.state) as TeamState))
        const written = row === undefined
          ? await query('writing a team', 'INSERT INTO rota_resolver_teams (team, version, state) VALUES ($1, 1, $2) ON CONFLICT (team) DO NOTHING',
            [team, JSON.stringify(next)])
          : await query('writing a team', 'UPDATE rota_resolver_teams SET state = $2, version = version + 1 WHERE team = $1 AND version = $3',
            [team, JSON.stringify(next), row.version])
        if (written.rowCount === 1) return next
      }
      throw new ResolverError(ResolverErrorCode.Store, `team ${team} kept changing under ${TEAM_ATTEMPTS} attempts to update it`, { team })
    },
    lease: (holder, leaseOptions) => createPostgresLease(query, holder, leaseOptions),
    close: () => (closed ??= pool.end()),
  }
}
