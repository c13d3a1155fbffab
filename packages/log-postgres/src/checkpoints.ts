/**
 * Checkpoints and retention on PostgreSQL, with the policy shared with LevelDB (`@rota/log`):
 * when one is due, which older ones go, where retention moves the base. What is PostgreSQL's own is
 * the claim: several instances append to one document, so each may find a checkpoint due; a claim
 * row per (document, task) lets one build it and the others skip. A claim expires (`claimMs`), so
 * one left by a crashed instance only delays the next checkpoint. Correctness never depends on the
 * claim: a checkpoint at seq s is a pure function of entries 1…s, and `rota_store_checkpoint`
 * stores it only if the history it was built from still holds s.
 */
import type pg from 'pg'
import { retentionBase, staleCheckpoints } from '@rota/log'
import type { CheckpointBuilder, LogObserver, RetentionPolicy } from '@rota/log'
import { docRow, piecesAtSeq } from './reads.ts'
import type { DocRow } from './reads.ts'
import { stateChecksum } from './rows.ts'

export interface MaintenanceContext {
  pool: pg.Pool
  builder: CheckpointBuilder
  /** This log object's name in claims. */
  holder: string
  claimMs: number
  observer: LogObserver | undefined
}

export type Task = 'checkpoint' | 'retention'

/** Takes the claim on `task` for the document; false when another instance holds an unexpired one. */
export async function claim(context: MaintenanceContext, row: DocRow, task: Task): Promise<boolean> {
  const { rowCount } = await context.pool.query(
    `INSERT INTO rota_claims (doc_id, task, holder, until) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
     ON CONFLICT (doc_id, task) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until WHERE rota_claims.until < now()`,
    [row.doc_id, task, context.holder, context.claimMs],
  )
  return rowCount === 1
}

export async function release(context: MaintenanceContext, row: DocRow, task: Task): Promise<void> {
  await context.pool.query('DELETE FROM rota_claims WHERE doc_id = $1 AND task = $2 AND holder = $3', [row.doc_id, task, context.holder])
}

/** Runs `work` under the document's claim on `task`; `skipped` when another instance holds it. */
async function claimed<T>(context: MaintenanceContext, row: DocRow, task: Task, skipped: T, work: () => Promise<T>): Promise<T> {
  if (!(await claim(context, row, task))) return skipped
  try {
    return await work()
  } finally {
    await release(context, row, task)
  }
}

/** The pieces of the state at the head, read in one snapshot. */
async function piecesInSnapshot(context: MaintenanceContext, doc: string) {
  const client = await context.pool.connect()
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const row = await docRow(client, doc)
    if (row === undefined || row.removed || row.head_seq === 0 || row.head_seq <= row.checkpoint_seq) {
      await client.query('COMMIT')
      return undefined
    }
    const pieces = await piecesAtSeq(client, row, row.head_seq, context.observer)
    await client.query('COMMIT')
    return { row, ...pieces }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/**
 * Builds and stores a checkpoint of the document at its head, unless one is there already or
 * another instance is building it. Returns its seq (0: nothing stored).
 */
export async function writeCheckpoint(context: MaintenanceContext, doc: string): Promise<number> {
  const first = await docRow(context.pool, doc)
  if (first === undefined || first.removed || first.head_seq <= first.checkpoint_seq) return 0
  return claimed(context, first, 'checkpoint', 0, async () => {
    const started = performance.now()
    const found = await piecesInSnapshot(context, doc)
    if (found === undefined) return 0
    const { row, base, updates } = found
    const seq = row.head_seq
    const basePart = base === undefined ? undefined : { update: base.state, encoding: 'v2' as const }
    const state = await context.builder.build({ doc, baseSeq: base?.seq, seq }, basePart, updates)
    const { rows } = await context.pool.query<{ seq: number }>(
      'SELECT seq FROM rota_checkpoints WHERE doc_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq',
      [row.doc_id, row.base_seq, seq],
    )
    const stale = staleCheckpoints(
      rows.map((r) => r.seq),
      seq,
    )
    const stored = await context.pool.query<{ stored: boolean }>('SELECT rota_store_checkpoint($1, $2, $3, $4, $5, $6, $7, $8) AS stored', [
      doc,
      seq,
      row.head_time,
      state,
      stateChecksum(state),
      stale,
      row.since_entries,
      row.since_bytes,
    ])
    if (stored.rows[0]?.stored !== true) return 0
    context.observer?.onCheckpoint?.({ doc, seq, bytes: state.length, ms: performance.now() - started })
    return seq
  })
}

/** The document's intact checkpoints after the base, newest first (one row at a time: states can be large). */
async function* checkpointTimes(context: MaintenanceContext, row: DocRow): AsyncGenerator<{ seq: number; time: number }> {
  let below = row.head_seq
  for (;;) {
    const { rows } = await context.pool.query<{ seq: number; received_at: number; state: Buffer; crc: number }>(
      'SELECT seq, received_at, state, crc FROM rota_checkpoints WHERE doc_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq DESC LIMIT 1',
      [row.doc_id, row.base_seq, below],
    )
    const found = rows[0]
    if (found === undefined) return
    if (stateChecksum(found.state) === found.crc) yield { seq: found.seq, time: found.received_at }
    below = found.seq - 1
  }
}

/** Rows deleted per statement when retention reclaims space: no statement holds locks for long. */
const DELETE_CHUNK = 10_000

/**
 * Folds everything up to the newest checkpoint older than the horizon into the base. The base moves
 * first, in its own committed transaction (under the document's row lock, so no append, truncation or
 * removal of another instance interleaves); the rows behind it are then garbage no read reaches, and
 * are deleted in chunks. Returns the base seq.
 */
export async function applyRetention(context: MaintenanceContext, doc: string, policy: RetentionPolicy, now: number): Promise<number> {
  const row = await docRow(context.pool, doc)
  if (row === undefined || row.removed) return 0
  return claimed(context, row, 'retention', row.base_seq, async () => {
    const base = await retentionBase(checkpointTimes(context, row), policy, now)
    if (base !== undefined) {
      await context.pool.query(
        `WITH moved AS (
           UPDATE rota_docs SET base_seq = $2, base_time = $3, base_is_checkpoint = true
           WHERE doc_id = $1 AND NOT removed AND base_seq < $2 AND EXISTS (SELECT 1 FROM rota_checkpoints c WHERE c.doc_id = $1 AND c.seq = $2)
           RETURNING doc_id)
         DELETE FROM rota_cuts WHERE doc_id IN (SELECT doc_id FROM moved) AND to_seq <= $2`,
        [row.doc_id, base.seq, base.time],
      )
    }
    const current = (await docRow(context.pool, doc)) ?? row
    await reclaim(context, current)
    return current.base_seq
  })
}

/** Deletes entries at or before the base and checkpoints before it (what retention left behind). */
async function reclaim(context: MaintenanceContext, row: DocRow): Promise<void> {
  if (!row.base_is_checkpoint) return
  for (let deleted = DELETE_CHUNK; deleted === DELETE_CHUNK; ) {
    const result = await context.pool.query(
      `DELETE FROM rota_entries WHERE doc_id = $1 AND seq IN (SELECT seq FROM rota_entries WHERE doc_id = $1 AND seq <= $2 ORDER BY seq LIMIT ${DELETE_CHUNK})`,
      [row.doc_id, row.base_seq],
    )
    deleted = result.rowCount ?? 0
  }
  await context.pool.query('DELETE FROM rota_checkpoints WHERE doc_id = $1 AND seq < $2', [row.doc_id, row.base_seq])
}
