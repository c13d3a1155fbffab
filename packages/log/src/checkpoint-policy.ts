/**
 * The checkpoint and retention policy every backend that keeps checkpoints applies (LevelDB,
 * PostgreSQL): when a checkpoint is due, which older ones go once a new one exists, and where
 * retention moves a document's base. Pure functions over numbers, so that the backends keep the
 * same shape of history and only the storage differs.
 */
import { LogErrorCode, RotaLogError } from './errors.ts'

export const DEFAULT_CHECKPOINT_EVERY = 1000
export const DEFAULT_CHECKPOINT_BYTES = 256 * 1024
/** A document's next checkpoint waits for at least 1/64 of the entries behind its last one. */
export const CHECKPOINT_SPACING = 64
/** On close, documents with at least this many entries since their last checkpoint get one. */
export const CLOSE_CHECKPOINT_MIN_ENTRIES = 100

export interface RetentionPolicy {
  /** Entries older than this (by receivedAt) are folded into a base checkpoint. */
  maxAgeMs: number
}

/** The options a backend takes for its checkpoints (all optional: the defaults above). */
export interface CheckpointOptions {
  /** Store a checkpoint after this many entries since the last one. Default 1000. */
  checkpointEvery?: number
  /** … or after this many bytes of entries since the last one. Default 256 KiB. */
  checkpointBytes?: number
  /** Off by default: the whole history is kept. */
  retention?: RetentionPolicy
}

export interface CheckpointPolicy {
  every: number
  bytes: number
}

/** What the policy needs to know about one document. */
export interface CheckpointCounters {
  sinceEntries: number
  sinceBytes: number
  /** The newest checkpoint's seq (the base seq when there is none). */
  lastCheckpointSeq: number
  baseSeq: number
}

export function positiveInteger(value: unknown, field: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
    throw new RotaLogError(LogErrorCode.InvalidArgument, `${field} must be a positive integer`, { field })
  }
}

/** Validates the checkpoint options and fills in the defaults. */
export function checkpointPolicy(options: CheckpointOptions): CheckpointPolicy {
  positiveInteger(options.checkpointEvery, 'checkpointEvery')
  positiveInteger(options.checkpointBytes, 'checkpointBytes')
  if (options.retention !== undefined) positiveInteger(options.retention.maxAgeMs, 'retention.maxAgeMs')
  return { every: options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, bytes: options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES }
}

/**
 * Due after `every` entries or `bytes` bytes, but never before the tail holds 1/CHECKPOINT_SPACING
 * of the history behind the last checkpoint: building one costs time in proportion to the document
 * (it applies the whole state), so large documents get them less often and the builder's cost per
 * entry stays flat, while a load merges at most that share.
 */
export function dueForCheckpoint(counters: CheckpointCounters, policy: CheckpointPolicy): boolean {
  const { sinceEntries, sinceBytes, lastCheckpointSeq, baseSeq } = counters
  return (sinceEntries >= policy.every || sinceBytes >= policy.bytes) && sinceEntries >= (lastCheckpointSeq - baseSeq) / CHECKPOINT_SPACING
}

/**
 * The older checkpoints (`seqs`, ascending, all after the base and before `head`) to delete once one
 * at `head` exists: of those whose distance from the head falls in the same power-of-two bucket,
 * only the oldest stays. That leaves O(log n) checkpoints, dense near the head (fast loads) and
 * sparse in the past (time travel replays more there), so they stay a small share of the bytes.
 */
export function staleCheckpoints(seqs: readonly number[], head: number): number[] {
  const buckets = new Set<number>()
  return seqs.filter((seq) => {
    const bucket = Math.floor(Math.log2(head - seq + 1))
    if (!buckets.has(bucket)) {
      buckets.add(bucket)
      return false
    }
    return true
  })
}

/**
 * Where retention moves the base: the newest checkpoint (of `candidates`, newest first) received at
 * or before the horizon; undefined when none is old enough. The caller moves the base durably before
 * it deletes what lies behind it, so a crash in between leaves garbage, never a hole.
 */
export async function retentionBase(
  candidates: AsyncIterable<{ seq: number; time: number }> | Iterable<{ seq: number; time: number }>,
  policy: RetentionPolicy,
  now: number,
): Promise<{ seq: number; time: number } | undefined> {
  const horizon = now - policy.maxAgeMs
  for await (const candidate of candidates) if (candidate.time <= horizon) return candidate
  return undefined
}
