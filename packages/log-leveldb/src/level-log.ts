/**
 * The LevelDB backend of the update log. See docs/log.md for the layout, durability and recovery.
 * This module is the public surface and the appends; the rest lives beside it: opening (open.ts), the
 * per-document state and queue (doc-states.ts), checkpoints and retention (checkpoints.ts), reads and
 * verification (reads.ts), the damage witness (heads.ts, lost.ts).
 */
import {
  CLOSE_CHECKPOINT_MIN_ENTRIES,
  EMPTY_STATE,
  LogErrorCode,
  RotaLogError,
  checkpointPolicy,
  createMaintenanceQueue,
  validateDocName,
  validateMeta,
  validatePrefix,
  validateRange,
  validateSeq,
  updateClientIds,
  validateVersionRef,
} from '@rota/log'
import type { DocSummary, StatePart, VersionRef } from '@rota/log'
import { decodeDocRecord } from './codec.ts'
import type { DocRecord } from './codec.ts'
import { createAppender } from './appends.ts'
import { createCheckpoints } from './checkpoints.ts'
import { createDocStates } from './doc-states.ts'
import { openError, storageError } from './errors.ts'
import { createGroupCommit } from './group-commit.ts'
import type { HeadsJournal } from './heads.ts'
import { documentBounds, documentName, prefixBounds } from './keys.ts'
import { lostError, lostWithin, openHeads } from './lost.ts'
import { openDb, validateOptions } from './open.ts'
import { createReads } from './reads.ts'
import { removeDocument, truncateDocument } from './removal.ts'
import { corrupt, stateAtSeq, statePartsAtSeq } from './scan.ts'
import type { Db } from './scan.ts'
import type { DocState, LevelContext, LevelLog, LevelLogOptions } from './types.ts'

export type { Durability, LevelLog, LevelLogOptions } from './types.ts'
export { DEFAULT_MAX_CACHED_DOCS } from './types.ts'
export type { RetentionPolicy } from '@rota/log'
export { DEFAULT_CHECKPOINT_BYTES, DEFAULT_CHECKPOINT_EVERY } from '@rota/log'

export async function openLevelLog(options: LevelLogOptions): Promise<LevelLog> {
  validateOptions(options)
  const db = await openDb(options)
  let heads: HeadsJournal
  try {
    heads = await openHeads(db, options.dir, options.observer)
  } catch (error) {
    await db.close()
    throw openError(options.dir, error)
  }
  return createLevelLog(db, heads, options)
}

function createLevelLog(db: Db, heads: HeadsJournal, options: LevelLogOptions): LevelLog {
  const { dir, observer } = options
  const ctx: LevelContext = {
    db, dir, options, observer, policy: checkpointPolicy(options), now: options.now ?? Date.now,
    status: { closed: false, failed: undefined },
  }
  const { status } = ctx
  let closing: Promise<void> | undefined
  const docs = createDocStates({ db, dir, policy: ctx.policy, ...(options.maxCachedDocs === undefined ? {} : { maxCachedDocs: options.maxCachedDocs }) })
  const { states, stateOf, loadedState, exclusive, pump, settledAppends, refresh } = docs
  const { summaryOf, historyGone, resolveSeq, readEntries, summaryFromDisk, verifyDoc } = createReads(db, loadedState)
  const writer = createGroupCommit(db, {
    sync: options.durability !== 'buffered',
    maxBatchBytes: options.maxBatchBytes ?? 4 * 1024 * 1024,
    afterBatch: (writes) => heads.record(writes),
    onBatch: (stats) => observer?.onBatch?.(stats),
  })

  const ensureOpen = (): void => {
    if (status.closed) throw new RotaLogError(LogErrorCode.Closed, `the log in ${dir} is closed`, { dir })
  }
  const reportBackground = (error: unknown, doc: string): void => {
    observer?.onError?.(error instanceof Error ? storageError(dir, error, doc) : new Error(String(error)))
  }
  const maintenance = createMaintenanceQueue(reportBackground)
  const checkpoints = createCheckpoints(ctx, maintenance)
  const { maybeCheckpoint, writeCheckpoint, retain } = checkpoints

  const enqueueAppend = createAppender(ctx, writer, maybeCheckpoint)

  // ── the public surface ────────────────────────────────────────────────────────────────────

  const guard = async <T>(doc: string | undefined, work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      throw storageError(dir, error, doc)
    }
  }

  const log: LevelLog = {
    dir,

    append(doc, update, meta) {
      let updateIds: number[]
      try {
        validateDocName(doc)
        updateIds = updateClientIds(update, doc)
        validateMeta(meta, doc)
        ensureOpen()
        if (status.failed !== undefined) throw status.failed
      } catch (error) {
        return Promise.reject(error)
      }
      const ids = updateIds
      const state = stateOf(doc)
      return new Promise<number>((resolve, reject) => {
        if (!state.busy && state.queue.length === 0) enqueueAppend(state, update, ids, meta, resolve, reject)
        else {
          state.queue.push(() => enqueueAppend(state, update, ids, meta, resolve, reject))
          pump(state)
        }
      })
    },

    async *read(doc, range = {}) {
      validateDocName(doc)
      validateRange(range)
      ensureOpen()
      try {
        yield* readEntries(doc, range)
      } catch (error) {
        throw storageError(dir, error, doc)
      }
    },

    async head(doc) {
      validateDocName(doc)
      ensureOpen()
      return summaryOf(await guard(doc, () => loadedState(doc)))
    },

    async nextSeq(doc) {
      validateDocName(doc)
      ensureOpen()
      return (await guard(doc, () => loadedState(doc))).nextSeq
    },

    stateAt(doc, at) {
      return loadAt(doc, at, (state, seq) => (seq === 0 ? EMPTY_STATE.slice() : stateAtSeq(db, state, seq, observer)))
    },

    stateParts(doc, at) {
      return loadAt(doc, at, (state, seq): Promise<StatePart[]> | StatePart[] => (seq === 0 ? [] : statePartsAtSeq(db, state, seq, observer)))
    },

    async *listDocs(prefix) {
      validatePrefix(prefix)
      ensureOpen()
      const iterator = db.iterator(documentBounds(prefix ?? ''))
      try {
        for await (const [key, value] of iterator) {
          const doc = documentName(key)
          const cached = states.get(doc)
          let summary: DocSummary | undefined
          if (cached !== undefined) {
            await cached.loaded
            summary = summaryOf(cached)
          } else {
            let record: DocRecord
            try {
              record = decodeDocRecord(key, value)
            } catch (error) {
              throw corrupt(doc, 0, `document record ${(error as Error).message}`, error)
            }
            summary = await summaryFromDisk(doc, record)
          }
          if (summary !== undefined) yield summary
        }
      } catch (error) {
        throw storageError(dir, error)
      } finally {
        await iterator.close()
      }
    },

    async removeDoc(doc, meta) {
      validateDocName(doc)
      validateMeta(meta, doc)
      ensureOpen()
      const state = stateOf(doc)
      await exclusive(state, () => removeDocument(db, state, meta, { exists: () => summaryOf(state) !== undefined, refresh }))
    },

    async verify(doc) {
      validateDocName(doc)
      ensureOpen()
      return guard(doc, async () => verifyDoc(await loadedState(doc)))
    },

    async truncateAfter(doc, seq) {
      validateDocName(doc)
      validateSeq(seq)
      ensureOpen()
      const state = stateOf(doc)
      return exclusive(state, () => truncateDocument(db, state, seq, { exists: () => summaryOf(state) !== undefined, refresh, historyGone }))
    },

    async checkpoint(doc) {
      validateDocName(doc)
      ensureOpen()
      const state = stateOf(doc)
      return exclusive(state, () => writeCheckpoint(state))
    },

    async dropCheckpoints(doc) {
      if (doc !== undefined) validateDocName(doc)
      ensureOpen()
      const docs = doc === undefined ? await allDocNames() : [doc]
      for (const name of docs) {
        const state = stateOf(name)
        await exclusive(state, async () => {
          await db.clear(prefixBounds(state.checkpointPrefix))
          await refresh(state)
        })
      }
    },

    async applyRetention(doc) {
      validateDocName(doc)
      ensureOpen()
      const state = stateOf(doc)
      return exclusive(state, () => retain(state))
    },

    async idle() {
      await maintenance.idle()
    },

    cachedDocs: () => states.size,

    close() {
      closing ??= (async () => {
        await writer.drain()
        await maintenance.idle()
        // Leave fresh checkpoints behind so that the next start loads documents from a short tail.
        for (const state of states.values()) {
          const due = state.sinceEntries >= CLOSE_CHECKPOINT_MIN_ENTRIES && state.lost === undefined && summaryOf(state) !== undefined
          if (options.checkpointOnClose !== false && !state.busy && due) {
            await writeCheckpoint(state).catch((error: unknown) => reportBackground(error, state.doc))
          }
        }
        status.closed = true
        await writer.drain()
        await maintenance.idle()
        await Promise.allSettled([...states.values()].map((state) => settledAppends(state)))
        await heads.close()
        await checkpoints.close()
        await db.close()
      })()
      return closing
    },
  }

  /** Validates, resolves `at` to a seq (0: empty) and runs `load` on the document. */
  async function loadAt<T>(doc: string, at: VersionRef | undefined, load: (state: DocState, seq: number) => Promise<T> | T): Promise<T> {
    validateDocName(doc)
    validateVersionRef(at)
    ensureOpen()
    return guard(doc, async () => {
      const state = await loadedState(doc)
      // A long tail left by a crash gets its checkpoint on first load, not only on the next write.
      maybeCheckpoint(state)
      const seq = await resolveSeq(state, at)
      const gap = lostWithin(state.lost, 0, seq)
      if (gap !== undefined) throw lostError(doc, gap)
      return load(state, summaryOf(state) === undefined ? 0 : seq)
    })
  }

  async function allDocNames(): Promise<string[]> {
    const keys = await db.keys(documentBounds('')).all()
    return keys.map(documentName)
  }

  return log
}
