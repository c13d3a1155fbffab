/**
 * The PostgreSQL backend of the update log: `UpdateLog` on tables that several Rota instances share.
 * This file wires the pieces (writer session and group commit, reads, checkpoints, verify) to the
 * port; see README.md for the schema, the durability rules and why seqs stay dense with many writers.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import {
  CLOSE_CHECKPOINT_MIN_ENTRIES,
  EMPTY_STATE,
  LogErrorCode,
  RotaLogError,
  checkpointPolicy,
  createCheckpointBuilder,
  createMaintenanceQueue,
  dueForCheckpoint,
  mergeState,
  positiveInteger,
  storedMeta,
  validateDocName,
  validateMeta,
  validatePrefix,
  validateRange,
  validateSeq,
  validateUpdate,
  validateVersionRef,
} from '@rota/log'
import type { CheckpointOptions, LogObserver, StatePart, UpdateLog, VersionRef } from '@rota/log'
import * as Y from 'yjs'
import { applyRetention, writeCheckpoint } from './checkpoints.ts'
import type { MaintenanceContext } from './checkpoints.ts'
import { checkSession, connectionConfig, schemaVersion, validateSchemaName } from './connection.ts'
import type { ConnectionOptions } from './connection.ts'
import { openError, schemaError, storageError } from './errors.ts'
import { createGroupCommit } from './group-commit.ts'
import type { AppendResult, PendingAppend } from './group-commit.ts'
import { docRow, listDocs, piecesAtSeq, readEntries, resolveSeq, summaryOf } from './reads.ts'
import type { FoundCheckpoint } from './reads.ts'
import { entryColumns } from './rows.ts'
import { SCHEMA_VERSION } from './schema.ts'
import { verifyDoc } from './verify.ts'
import { createWriterSession } from './writer.ts'

export interface PostgresLogOptions extends CheckpointOptions, ConnectionOptions {
  /** postgres://user:password@host:port/database (libpq-style parameters as the driver reads them). */
  url: string
  observer?: LogObserver
  /** Connections for reads, checkpoints and admin operations (appends have their own). Default 4. */
  poolSize?: number
  /** A group-commit batch stops growing at this many bytes of updates. Default 4 MiB. */
  maxBatchBytes?: number
  /** … or at this many entries. Default 5000. */
  maxBatchEntries?: number
  /** On close, checkpoint documents this object wrote 100 or more entries to since their last one. Default true. */
  checkpointOnClose?: boolean
  /** This object's name in checkpoint and retention claims. Default a random UUID. */
  instanceId?: string
  /** How long a claim holds before another instance may take it over (a crashed holder). Default 60 s. */
  claimMs?: number
  /** The clock retention uses. Default Date.now. */
  now?: () => number
}

/** The PostgreSQL log: the `UpdateLog` contract plus the maintenance operations LevelDB has too. */
export interface PostgresLog extends UpdateLog {
  stateParts(doc: string, at?: VersionRef): Promise<StatePart[]>
  /** Stores a checkpoint of the document at its head now; returns its seq (0: nothing stored, or another instance is on it). */
  checkpoint(doc: string): Promise<number>
  /** Applies the retention policy to `doc` now (it also runs after each checkpoint). Returns the base seq. */
  applyRetention(doc: string): Promise<number>
  /** Resolves once background work (checkpoints, retention) queued so far has finished. */
  idle(): Promise<void>
}

function validateOptions(options: PostgresLogOptions): void {
  if (typeof options !== 'object' || options === null || typeof options.url !== 'string' || options.url.length === 0) {
    throw new RotaLogError(LogErrorCode.InvalidArgument, 'url must be a non-empty postgres:// URL', { field: 'url' })
  }
  validateSchemaName(options.schema)
  checkpointPolicy(options)
  positiveInteger(options.poolSize, 'poolSize')
  positiveInteger(options.maxBatchBytes, 'maxBatchBytes')
  positiveInteger(options.maxBatchEntries, 'maxBatchEntries')
  positiveInteger(options.claimMs, 'claimMs')
}

/** Opens the log; refuses a schema `migrate` did not create and a server that could lose commits. */
export async function openPostgresLog(options: PostgresLogOptions): Promise<PostgresLog> {
  validateOptions(options)
  const { url } = options
  const pool = new pg.Pool({ ...connectionConfig(url, options), max: options.poolSize ?? 4 })
  // An idle connection that dies (a server restart) is replaced on next use; the event must not crash the process.
  pool.on('error', () => undefined)
  // Nor may one that dies while checked out between two queries (a read's or a checkpoint's snapshot): the pool
  // only listens to idle clients, and an 'error' nobody listens to ends the process. Its next query rejects
  // instead, the caller releases it, and the pool drops it (the crash test's PostgreSQL restarts found this).
  pool.on('connect', (client) => client.on('error', () => undefined))
  try {
    const client = await pool.connect()
    try {
      const version = await schemaVersion(client)
      if (version !== SCHEMA_VERSION) throw schemaError(url, validateSchemaName(options.schema), version, SCHEMA_VERSION)
      await checkSession(client, url)
    } finally {
      client.release()
    }
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw openError(url, error)
  }
  return createPostgresLog(pool, options)
}

const APPEND_SQL =
  'SELECT * FROM rota_append($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bytea[], $10::integer[])'

interface AppendRow {
  ord: number
  seq: number
  received_at: number
  since_entries: number
  since_bytes: number
  checkpoint_seq: number
  base_seq: number
}

/** Appends to a document wait here while an exclusive operation (removal, truncation) runs on it. */
interface Gate {
  waiting: PendingAppend[]
  tasks: number
  tail: Promise<void>
}

function createPostgresLog(pool: pg.Pool, options: PostgresLogOptions): PostgresLog {
  const { url, observer } = options
  const policy = checkpointPolicy(options)
  const now = options.now ?? Date.now
  const session = createWriterSession(url, options)
  const context: MaintenanceContext = {
    pool,
    builder: createCheckpointBuilder(),
    holder: options.instanceId ?? randomUUID(),
    claimMs: options.claimMs ?? 60_000,
    observer,
  }
  const reportBackground = (error: unknown, doc: string): void => observer?.onError?.(storageError(url, error, doc))
  const maintenance = createMaintenanceQueue(reportBackground)
  /** Documents with a checkpoint scheduled here, and the entries since the last one as the last append saw it. */
  const scheduled = new Set<string>()
  const touched = new Map<string, number>()
  const gates = new Map<string, Gate>()
  let closed = false
  let closing: Promise<void> | undefined

  const writer = createGroupCommit({
    maxBatchBytes: options.maxBatchBytes ?? 4 * 1024 * 1024,
    maxBatchEntries: options.maxBatchEntries ?? 5000,
    onBatch: (stats) => observer?.onBatch?.(stats),
    async write(batch) {
      const columns = batch.map((append) => entryColumns(append.update, append.meta))
      const { rows } = await session.query<AppendRow>(APPEND_SQL, [
        batch.map((append) => append.doc),
        columns.map((c) => c.received),
        columns.map((c) => c.clientTime),
        columns.map((c) => c.actor),
        columns.map((c) => c.role),
        columns.map((c) => c.origin),
        columns.map((c) => c.clientIds),
        columns.map((c) => c.details),
        columns.map((c) => c.body),
        columns.map((c) => c.crc),
      ])
      if (rows.length !== batch.length) throw new Error(`rota_append returned ${rows.length} rows for ${batch.length} entries`)
      return rows.map((row) => ({
        seq: row.seq,
        receivedAt: row.received_at,
        sinceEntries: row.since_entries,
        sinceBytes: row.since_bytes,
        checkpointSeq: row.checkpoint_seq,
        baseSeq: row.base_seq,
      }))
    },
  })

  const ensureOpen = (): void => {
    if (closed) throw new RotaLogError(LogErrorCode.Closed, 'the log is closed')
  }
  const guard = async <T>(doc: string | undefined, work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      throw storageError(url, error, doc)
    }
  }

  function scheduleCheckpoint(doc: string): void {
    if (closed || scheduled.has(doc)) return
    scheduled.add(doc)
    void maintenance.schedule(doc, async () => {
      try {
        if (closed) return
        await writeCheckpoint(context, doc)
        if (options.retention !== undefined) await applyRetention(context, doc, options.retention, now())
      } finally {
        scheduled.delete(doc)
      }
    })
  }

  function afterAppend(doc: string, result: AppendResult): void {
    touched.set(doc, result.sinceEntries)
    const counters = { sinceEntries: result.sinceEntries, sinceBytes: result.sinceBytes, lastCheckpointSeq: result.checkpointSeq, baseSeq: result.baseSeq }
    if (dueForCheckpoint(counters, policy)) scheduleCheckpoint(doc)
  }

  /** Runs `task` once this object's earlier appends are committed; the document's later appends wait for it. */
  function exclusive<T>(doc: string, task: () => Promise<T>): Promise<T> {
    let gate = gates.get(doc)
    if (gate === undefined) gates.set(doc, (gate = { waiting: [], tasks: 0, tail: Promise.resolve() }))
    const current = gate
    current.tasks++
    const run = current.tail.then(() => writer.drain()).then(() => guard(doc, task))
    current.tail = run.then(
      () => undefined,
      () => undefined,
    )
    void current.tail.then(() => {
      if (--current.tasks > 0) return
      gates.delete(doc)
      for (const append of current.waiting) writer.push(append)
    })
    return run
  }

  /** Resolves `at` and reads the pieces of the state there, all in one snapshot of the document. */
  async function piecesAt(doc: string, at: VersionRef | undefined): Promise<{ base: FoundCheckpoint | undefined; updates: Uint8Array[]; seq: number }> {
    validateDocName(doc)
    validateVersionRef(at)
    ensureOpen()
    return guard(doc, async () => {
      const client = await pool.connect()
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
        const row = await docRow(client, doc)
        const seq = await resolveSeq(client, row, doc, at)
        const pieces = row === undefined || seq === 0 ? { base: undefined, updates: [] } : await piecesAtSeq(client, row, seq, observer)
        await client.query('COMMIT')
        // A long tail left by a crash gets its checkpoint on first load, not only on the next write.
        if (row !== undefined && dueForCheckpoint({ ...countersOf(row) }, policy)) scheduleCheckpoint(doc)
        return { ...pieces, seq }
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      } finally {
        client.release()
      }
    })
  }

  const log: PostgresLog = {
    append(doc, update, meta) {
      try {
        validateDocName(doc)
        validateUpdate(update, doc)
        validateMeta(meta, doc)
        ensureOpen()
      } catch (error) {
        return Promise.reject(error)
      }
      return new Promise<number>((resolve, reject) => {
        const append: PendingAppend = {
          doc,
          update,
          meta,
          resolve: (result) => {
            resolve(result.seq)
            afterAppend(doc, result)
          },
          reject: (error) => reject(storageError(url, error, doc)),
        }
        const gate = gates.get(doc)
        if (gate === undefined) writer.push(append)
        else gate.waiting.push(append)
      })
    },

    async *read(doc, range = {}) {
      validateDocName(doc)
      validateRange(range)
      ensureOpen()
      try {
        yield* readEntries(pool, doc, range)
      } catch (error) {
        throw storageError(url, error, doc)
      }
    },

    async head(doc) {
      validateDocName(doc)
      ensureOpen()
      return summaryOf(await guard(doc, () => docRow(pool, doc)))
    },

    async stateAt(doc, at) {
      const { base, updates, seq } = await piecesAt(doc, at)
      if (seq === 0) return EMPTY_STATE.slice()
      return mergeState(updates, base === undefined ? undefined : Y.convertUpdateFormatV2ToV1(base.state))
    },

    async stateParts(doc, at) {
      const { base, updates } = await piecesAt(doc, at)
      const parts: StatePart[] = base === undefined ? [] : [{ update: base.state, encoding: 'v2' }]
      for (const update of updates) parts.push({ update, encoding: 'v1' })
      return parts
    },

    async *listDocs(prefix) {
      validatePrefix(prefix)
      ensureOpen()
      try {
        yield* listDocs(pool, prefix ?? '')
      } catch (error) {
        throw storageError(url, error)
      }
    },

    async removeDoc(doc, meta) {
      validateDocName(doc)
      validateMeta(meta, doc)
      ensureOpen()
      const removed = await exclusive(doc, async () => {
        const { rows } = await pool.query<{ removed: boolean }>('SELECT rota_remove($1, $2) AS removed', [doc, JSON.stringify(storedMeta(meta, 0))])
        return rows[0]?.removed === true
      })
      if (!removed) throw new RotaLogError(LogErrorCode.NotFound, `no document ${doc}`, { doc })
    },

    async verify(doc) {
      validateDocName(doc)
      ensureOpen()
      return guard(doc, () => verifyDoc(pool, doc))
    },

    async truncateAfter(doc, seq) {
      validateDocName(doc)
      validateSeq(seq)
      ensureOpen()
      const cut = await exclusive(doc, async () => {
        const { rows } = await pool.query<{ cut: number }>('SELECT rota_truncate($1, $2) AS cut', [doc, seq])
        return rows[0]!.cut
      })
      if (cut < 0) throw new RotaLogError(LogErrorCode.HistoryGone, `history of ${doc} before seq ${seq + 1} is gone`, { doc, seq })
      return cut
    },

    async checkpoint(doc) {
      validateDocName(doc)
      ensureOpen()
      return exclusive(doc, () => writeCheckpoint(context, doc))
    },

    async applyRetention(doc) {
      validateDocName(doc)
      ensureOpen()
      const retention = options.retention
      if (retention === undefined) return exclusive(doc, async () => (await docRow(pool, doc))?.base_seq ?? 0)
      return exclusive(doc, () => applyRetention(context, doc, retention, now()))
    },

    idle: () => maintenance.idle(),

    close() {
      closing ??= (async () => {
        await writer.drain()
        await maintenance.idle()
        // Leave fresh checkpoints behind so that the next load (on any instance) reads a short tail.
        if (options.checkpointOnClose !== false) {
          for (const [doc, since] of touched) {
            if (since >= CLOSE_CHECKPOINT_MIN_ENTRIES) await writeCheckpoint(context, doc).catch((error: unknown) => reportBackground(error, doc))
          }
        }
        closed = true
        await writer.drain()
        await maintenance.idle()
        await context.builder.close()
        await session.close()
        await pool.end()
      })()
      return closing
    },
  }
  return log
}

const countersOf = (row: { since_entries: number; since_bytes: number; checkpoint_seq: number; base_seq: number }) => ({
  sinceEntries: row.since_entries,
  sinceBytes: row.since_bytes,
  lastCheckpointSeq: row.checkpoint_seq,
  baseSeq: row.base_seq,
})
