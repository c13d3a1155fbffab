/** The LevelDB log's options, its public interface and the per-document state its modules share. */
import type { CheckpointOptions, CheckpointPolicy, LogObserver, RotaLogError, StatePart, UpdateLog, VersionRef } from '@rota/log'
import type { Db, DocView } from './scan.ts'

export type Durability = 'sync' | 'buffered'
/** Checkpoints and retention follow `@rota/log`'s shared policy (checkpoint-policy.ts). */
export interface LevelLogOptions extends CheckpointOptions {
  /** The data directory (created if missing). One process at a time may open it. */
  dir: string
  /**
   * `sync` (default): an append resolves once its batch is fsynced, so it survives a power cut.
   * `buffered`: it resolves once the batch is in the OS page cache: it survives a process crash,
   * not a power cut or kernel panic.
   */
  durability?: Durability
  /**
   * On close, store a checkpoint of every document with 100 or more entries since its last one,
   * so that the next start loads from a short tail. Default true.
   */
  checkpointOnClose?: boolean
  observer?: LogObserver
  /** The clock retention uses. Default Date.now. */
  now?: () => number
  /** A group-commit batch stops growing at this many bytes. Default 4 MiB. */
  maxBatchBytes?: number
  /** LevelDB block cache. Default 8 MiB. */
  cacheSize?: number
  /**
   * How many documents' bookkeeping (head, numbering, checkpoint counters; well under 1 KiB each)
   * stays in memory. Beyond it, the least recently used idle ones are dropped and re-read from disk
   * when next used, so memory does not grow with every document ever opened. Default 1024.
   */
  maxCachedDocs?: number
}

export const DEFAULT_MAX_CACHED_DOCS = 1024

/** The LevelDB log: the `UpdateLog` contract plus maintenance operations. */
export interface LevelLog extends UpdateLog {
  readonly dir: string
  stateParts(doc: string, at?: VersionRef): Promise<StatePart[]>
  /** Stores a checkpoint of the document at its head now; returns its seq (0: nothing to store). */
  checkpoint(doc: string): Promise<number>
  /** Deletes every checkpoint of `doc` (or of every document). Loads then replay entries until new ones exist. */
  dropCheckpoints(doc?: string): Promise<void>
  /** Applies the retention policy to `doc` now (it also runs after each checkpoint). Returns the new base seq. */
  applyRetention(doc: string): Promise<number>
  /** Resolves once background work (checkpoints, retention) queued so far has finished. */
  idle(): Promise<void>
  /**
   * The seq the next append of `doc` gets: the head + 1, unless `truncateAfter` cut numbers after the head, which
   * are never handed out again (an import elsewhere must keep that; apps/rota's import-leveldb checks it).
   */
  nextSeq(doc: string): Promise<number>
  /** How many documents' state is held in memory now (≤ `maxCachedDocs` plus any busy ones); a metrics gauge. */
  cachedDocs(): number
}

export interface DocState extends DocView {
  /** An exclusive task (load, removal, truncation, retention) is running; appends wait in `queue`. */
  busy: boolean
  queue: Array<() => void | Promise<void>>
  loaded: Promise<void>
  recordStored: boolean
  nextSeq: number
  /** The last durable entry (or the base, or the last lost one); 0 when the document has none. */
  headSeq: number
  /** Acknowledged seqs that storage lost (see lost.ts): reads and loads that reach them fail. */
  lost: [number, number] | undefined
  headTime: number
  /** receivedAt of the last accepted append, to keep times non-decreasing. */
  lastTime: number
  inflight: number
  settled: Array<() => void>
  lastCheckpointSeq: number
  sinceEntries: number
  sinceBytes: number
  checkpointing: Promise<void> | undefined
}


/** What every module of one open log shares. */
export interface LevelContext {
  db: Db
  dir: string
  options: LevelLogOptions
  observer: LogObserver | undefined
  policy: CheckpointPolicy
  now: () => number
  /** `closed`: close() has run (no new work); `failed`: a write failed, appends are refused until reopened. */
  status: { closed: boolean; failed: RotaLogError | undefined }
}
