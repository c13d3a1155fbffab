/**
 * Per-document leases in a table (`rota_resolver_leases`: holder, expiry, progress), not advisory locks:
 * an advisory lock lives as long as one session, so it needs a dedicated connection per instance and
 * vanishes without a word when that connection drops; it cannot carry the document's progress, which a
 * takeover needs; and its expiry is the TCP timeout, which no test can move. A row is taken, renewed and
 * released by single statements from the pool, expires at a time the tests inject, and keeps the last seq
 * examined, so the next holder starts there.
 *
 * Expiry is judged on the instances' clocks (`now`): skew between instances must stay well below the TTL
 * (run NTP). A lease only saves work; the conflicts' compare-and-set keeps resolutions single whatever
 * the leases say (store.ts).
 */
import type pg from 'pg'
import type { DocLease } from '@rota/resolver'

export interface LeaseOptions {
  /** How long a lease lasts unless renewed. Default 15 s; renew (the feed's tick) well within it. */
  ttlMs?: number
  now?: () => number
}

type Query = <R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[]) => Promise<pg.QueryResult<R>>

const progressOf = (value: string | null | undefined): number | null => (value === null || value === undefined ? null : Number(value))

export const createPostgresLease = (query: Query, holder: string, options: LeaseOptions = {}): DocLease => {
  const ttl = options.ttlMs ?? 15_000
  const now = options.now ?? Date.now
  return {
    holder,
    ttlMs: ttl,
    async acquire(doc) {
      const at = now()
      // Free (no row, released or expired) or ours: take or renew it. Held by another: no row comes back.
      const { rows } = await query<{ progress: string | null }>('taking a lease',
        `INSERT INTO rota_resolver_leases AS l (doc, holder, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (doc) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE l.holder = EXCLUDED.holder OR l.expires_at <= $4
         RETURNING progress`,
        [doc, holder, at + ttl, at])
      return rows[0] === undefined ? undefined : { progress: progressOf(rows[0].progress) }
    },
    async record(doc, seq) {
      const result = await query('recording progress',
        `UPDATE rota_resolver_leases SET progress = GREATEST(COALESCE(progress, 0), $3)
         WHERE doc = $1 AND holder = $2 AND expires_at > $4`,
        [doc, holder, seq, now()])
      return result.rowCount === 1
    },
    async progress(doc) {
      const { rows } = await query<{ progress: string | null }>('reading progress', 'SELECT progress FROM rota_resolver_leases WHERE doc = $1', [doc])
      return progressOf(rows[0]?.progress)
    },
    async release(doc) {
      await query('releasing a lease', 'UPDATE rota_resolver_leases SET expires_at = 0 WHERE doc = $1 AND holder = $2', [doc, holder])
    },
  }
}
