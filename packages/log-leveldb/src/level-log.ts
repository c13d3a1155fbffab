/**
 * The LevelDB backend of the update log. See docs/log.md for the layout, durability and recovery.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import * as Y from 'yjs'
import {
  CLOSE_CHECKPOINT_MIN_ENTRIES,
  EMPTY_STATE,
  LogErrorCode,
  RotaLogError,
  checkpointPolicy,
  createCheckpointBuilder,
  createMaintenanceQueue,
  dueForCheckpoint,
  positiveInteger,
  retentionBase,
  staleCheckpoints,
  storedMeta,
  validateDocName,
  validateMeta,
  validatePrefix,
  validateRange,
  validateSeq,
  updateClientIds,
  validateVersionRef,
} from '@rota/log'
import type {
  CheckpointOptions,
  DocSummary,
  EntryMeta,
  LogEntry,
  LogObserver,
  ReadRange,
  StatePart,
  UpdateLog,
  VersionRef,
  VerifyReport,
} from '@rota/log'
import {
  DIRECTORY_FORMAT,
  DecodeError,
  NEW_DOC_RECORD,
  checkFormat,
  decodeCheckpoint,
  decodeDocRecord,
  decodeEntry,
  encodeCheckpoint,
  encodeDocRecord,
  encodeEntry,
  encodeFormat,
  encodeRemoval,
} from './codec.ts'
import type { DocRecord } from './codec.ts'
import { openError, storageError } from './errors.ts'
import { createGroupCommit } from './group-commit.ts'
import type { BatchOp } from './group-commit.ts'
import type { HeadsJournal } from './heads.ts'
import { FORMAT_KEY, Tag, decodeSeq, docPrefix, documentBounds, documentKey, documentName, prefixBounds, seqKey } from './keys.ts'
import { lostError, lostRange, lostWithin, openHeads } from './lost.ts'
import { corrupt, docView, isCut, lastEntry, piecesAtSeq, readRecord, scanEntries, seqByTime, stateAtSeq, statePartsAtSeq } from './scan.ts'
import type { Db, DocView } from './scan.ts'
import { checkLogFiles } from './wal-files.ts'

export type Durability = 'sync' | 'buffered'
export type { RetentionPolicy } from '@rota/log'
export { DEFAULT_CHECKPOINT_BYTES, DEFAULT_CHECKPOINT_EVERY } from '@rota/log'

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

interface DocState extends DocView {
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

/** How many sequence numbers in [from, to] `truncateAfter` cut. */
const cutCount = (record: DocRecord, from: number, to: number): number =>
  record.cuts.reduce((count, [cutFrom, cutTo]) => count + Math.max(0, Math.min(cutTo, to) - Math.max(cutFrom, from) + 1), 0)

function validateOptions(options: LevelLogOptions): void {
  if (typeof options !== 'object' || options === null || typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new RotaLogError(LogErrorCode.InvalidArgument, 'dir must be a non-empty path', { field: 'dir' })
  }
  if (options.durability !== undefined && options.durability !== 'sync' && options.durability !== 'buffered') {
    throw new RotaLogError(LogErrorCode.InvalidArgument, "durability must be 'sync' or 'buffered'", { field: 'durability' })
  }
  checkpointPolicy(options)
  positiveInteger(options.maxBatchBytes, 'maxBatchBytes')
  positiveInteger(options.cacheSize, 'cacheSize')
  positiveInteger(options.maxCachedDocs, 'maxCachedDocs')
}

/** The table files LevelDB's current version lists, with the size it expects of each. */
function expectedTables(db: Db): Map<string, number> {
  const tables = new Map<string, number>()
  for (const [, number, size] of db.getProperty('leveldb.sstables').matchAll(/(\d+):(\d+)\[/g)) {
    tables.set(String(number).padStart(6, '0'), Number(size))
  }
  return tables
}

async function tableSize(dir: string, base: string): Promise<number> {
  for (const name of [`${base}.ldb`, `${base}.sst`]) {
    try {
      return (await stat(join(dir, name))).size
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  return -1
}

/**
 * LevelDB does not read table files at open, so a truncated or missing one would only surface on
 * some later read. Compare the sizes LevelDB expects with the files on disk instead (cheap). A
 * compaction running meanwhile replaces files, so a mismatch counts only if the file is still listed.
 */
async function checkTableFiles(db: Db, dir: string): Promise<void> {
  for (const [base, size] of expectedTables(db)) {
    const actual = await tableSize(dir, base)
    if (actual === size || expectedTables(db).get(base) !== size) continue
    throw new RotaLogError(
      LogErrorCode.StorageCorrupt,
      `the LevelDB files in ${dir} are damaged (table ${base}: ${actual < 0 ? 'missing' : `${actual} of ${size} bytes`}); see "Recovery" in docs/log.md (repairLevelLog)`,
      { dir },
    )
  }
}

async function openDb(options: LevelLogOptions): Promise<Db> {
  const { dir } = options
  // Before LevelDB replays its write-ahead log, which would drop a damaged part of it for good.
  await checkLogFiles(dir).catch((error: unknown) => {
    throw openError(dir, error)
  })
  const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
  })
  try {
    await db.open()
  } catch (error) {
    throw openError(dir, error)
  }
  try {
    await checkTableFiles(db, dir)
    const format = await db.get(FORMAT_KEY)
    if (format === undefined || checkFormat(FORMAT_KEY, format) !== DIRECTORY_FORMAT) {
      await db.put(FORMAT_KEY, encodeFormat(FORMAT_KEY), { sync: true })
    }
  } catch (error) {
    await db.close()
    if (error instanceof DecodeError) {
      throw new RotaLogError(LogErrorCode.OpenFailed, `${dir} does not hold a Rota log of a known format (${error.message})`, { dir })
    }
    throw openError(dir, error)
  }
  return db
}

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
  const policy = checkpointPolicy(options)
  const now = options.now ?? Date.now
  const maxCachedDocs = options.maxCachedDocs ?? DEFAULT_MAX_CACHED_DOCS
  /** Per-document state, least recently used first. */
  const states = new Map<string, DocState>()
  let closed = false
  let closing: Promise<void> | undefined
  let failed: RotaLogError | undefined

  const builder = createCheckpointBuilder()
  const writer = createGroupCommit(db, {
    sync: options.durability !== 'buffered',
    maxBatchBytes: options.maxBatchBytes ?? 4 * 1024 * 1024,
    afterBatch: (writes) => heads.record(writes),
    onBatch: (stats) => observer?.onBatch?.(stats),
  })

  const ensureOpen = (): void => {
    if (closed) throw new RotaLogError(LogErrorCode.Closed, `the log in ${dir} is closed`, { dir })
  }
  const reportBackground = (error: unknown, doc: string): void => {
    observer?.onError?.(error instanceof Error ? storageError(dir, error, doc) : new Error(String(error)))
  }
  const maintenance = createMaintenanceQueue(reportBackground)

  // ── per-document state ────────────────────────────────────────────────────────────────────

  /** Re-reads what the state caches from disk (after open and after every exclusive change). */
  async function refresh(state: DocState): Promise<void> {
    const { record, stored } = await readRecord(db, state.doc)
    state.record = record
    state.recordStored = stored
    const last = record.removed ? undefined : await lastEntry(db, state)
    state.lost = lostRange(record, last?.seq ?? record.baseSeq)
    state.headSeq = state.lost?.[1] ?? last?.seq ?? (record.baseIsCheckpoint && !record.removed ? record.baseSeq : 0)
    // A removed name written again starts a new history: its times owe nothing to the old one.
    state.headTime = last?.time ?? (record.baseIsCheckpoint ? record.baseTime : 0)
    state.lastTime = state.headTime
    state.nextSeq = Math.max(record.nextSeq, (last?.seq ?? record.baseSeq) + 1)
    const [checkpoint] = await db
      .iterator({ gte: seqKey(state.checkpointPrefix, record.baseSeq), lte: seqKey(state.checkpointPrefix, state.headSeq), reverse: true, limit: 1 })
      .all()
    state.lastCheckpointSeq = checkpoint === undefined ? record.baseSeq : decodeSeq(checkpoint[0], state.checkpointPrefix.length)
    // Numbers are dense but for the cut ranges, so the tail's length needs no scan; its bytes only
    // matter while it is shorter than `policy.every` (a long tail is due by count anyway).
    state.sinceEntries = Math.max(0, state.headSeq - state.lastCheckpointSeq - cutCount(record, state.lastCheckpointSeq + 1, state.headSeq))
    state.sinceBytes = 0
    if (state.sinceEntries > 0 && state.sinceEntries < policy.every) {
      const entries = await db
        .iterator({ gt: seqKey(state.entryPrefix, state.lastCheckpointSeq), lte: seqKey(state.entryPrefix, state.headSeq) })
        .all()
      for (const [key, value] of entries) state.sinceBytes += key.length + value.length
    }
  }

  function pump(state: DocState): void {
    while (!state.busy && state.queue.length > 0) {
      const task = state.queue.shift()!
      const result = task()
      if (result instanceof Promise) {
        state.busy = true
        void result.finally(() => {
          state.busy = false
          pump(state)
        })
      }
    }
  }

  /** Runs `task` on the document once earlier appends and tasks are done; appends after it wait. */
  function exclusive<T>(state: DocState, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      state.queue.push(async () => {
        try {
          await settledAppends(state)
          await state.checkpointing
          resolve(await task())
        } catch (error) {
          reject(error instanceof RotaLogError ? error : storageError(dir, error, state.doc))
        }
      })
      pump(state)
    })
  }

  function settledAppends(state: DocState): Promise<void> {
    if (state.inflight === 0) return Promise.resolve()
    return new Promise((resolve) => state.settled.push(resolve))
  }

  function stateOf(doc: string): DocState {
    let state = states.get(doc)
    if (state !== undefined) {
      states.delete(doc)
      states.set(doc, state)
      if (states.size > maxCachedDocs) evictIdle(state)
      return state
    }
    const view = docView(doc, { ...NEW_DOC_RECORD, cuts: [] })
    const created: DocState = {
      ...view,
      busy: false,
      queue: [],
      loaded: Promise.resolve(),
      recordStored: false,
      nextSeq: 1,
      headSeq: 0,
      lost: undefined,
      headTime: 0,
      lastTime: 0,
      inflight: 0,
      settled: [],
      lastCheckpointSeq: 0,
      sinceEntries: 0,
      sinceBytes: 0,
      checkpointing: undefined,
    }
    created.loaded = exclusive(created, () => refresh(created))
    state = created
    states.set(doc, state)
    if (states.size > maxCachedDocs) evictIdle(state)
    // A failed load is retried by the next call instead of poisoning the document.
    created.loaded.catch(() => {
      if (states.get(doc) === created) states.delete(doc)
    })
    return state
  }

  /** Nothing runs or waits on the document: its state can be dropped and re-read from disk later. */
  const isIdle = (state: DocState): boolean =>
    !state.busy && state.queue.length === 0 && state.inflight === 0 && state.checkpointing === undefined

  /** Drops the least recently used idle states (never `keep`) until at most `maxCachedDocs` remain. */
  function evictIdle(keep: DocState): void {
    for (const [doc, state] of states) {
      if (states.size <= maxCachedDocs) return
      if (state !== keep && isIdle(state)) states.delete(doc)
    }
  }

  async function loadedState(doc: string): Promise<DocState> {
    const state = stateOf(doc)
    await state.loaded
    return state
  }

  // ── appends ───────────────────────────────────────────────────────────────────────────────

  function enqueueAppend(
    state: DocState,
    update: Uint8Array,
    updateIds: number[],
    meta: EntryMeta,
    resolve: (seq: number) => void,
    reject: (error: unknown) => void,
  ): void {
    if (failed !== undefined) return reject(failed)
    if (closed) return reject(new RotaLogError(LogErrorCode.Closed, `the log in ${dir} is closed`, { dir }))
    const seq = state.nextSeq++
    const stored = storedMeta(meta, state.lastTime)
    state.lastTime = stored.receivedAt
    const key = seqKey(state.entryPrefix, seq)
    const value = encodeEntry(key, stored, update, updateIds)
    const ops: BatchOp[] = [{ type: 'put', key, value }]
    if (!state.recordStored || state.record.removed) {
      state.record = { ...state.record, removed: false }
      state.recordStored = true
      const recordKey = documentKey(state.doc)
      ops.push({ type: 'put', key: recordKey, value: encodeDocRecord(recordKey, state.record) })
    }
    const bytes = key.length + value.length
    state.inflight++
    writer.push({
      ops,
      doc: state.doc,
      seq,
      bytes,
      done: (error) => {
        state.inflight--
        if (error === undefined) {
          state.headSeq = seq
          state.headTime = stored.receivedAt
          state.sinceEntries++
          state.sinceBytes += bytes
          resolve(seq)
          maybeCheckpoint(state)
        } else {
          failed ??= storageError(dir, error, state.doc)
          reject(failed)
        }
        if (state.inflight === 0) for (const settle of state.settled.splice(0)) settle()
      },
    })
  }

  // ── checkpoints and retention ─────────────────────────────────────────────────────────────

  function maybeCheckpoint(state: DocState): void {
    if (closed || state.checkpointing !== undefined || state.busy || state.lost !== undefined) return
    if (!dueForCheckpoint({ ...state, baseSeq: state.record.baseSeq }, policy)) return
    state.checkpointing = maintenance
      .schedule(state.doc, async () => {
        if (closed || state.busy) return
        await writeCheckpoint(state)
        if (options.retention !== undefined) await retain(state)
      })
      .finally(() => {
        state.checkpointing = undefined
      })
  }

  /**
   * Stores the state at the head, built through a garbage-collected Y.Doc in a worker thread and
   * encoded as Yjs v2: deleted content is dropped (a plain Y.mergeUpdates keeps it) and v2 is about
   * 1/20 of v1 for a long history, while applying it costs the same. No stall of the event loop.
   */
  async function writeCheckpoint(state: DocState): Promise<number> {
    const seq = state.headSeq
    if (seq <= state.lastCheckpointSeq || seq === 0) return 0
    const started = performance.now()
    const { sinceEntries, sinceBytes, headTime } = state
    const { base, updates } = await piecesAtSeq(db, state, seq, observer)
    const key = seqKey(state.checkpointPrefix, seq)
    const basePart = base === undefined ? undefined : { update: base.state, encoding: base.encoding }
    const built = await builder.build({ doc: state.doc, baseSeq: base?.seq, seq }, basePart, updates)
    const value = encodeCheckpoint(key, { time: headTime, state: built })
    const stale = await staleCheckpointKeys(state, seq)
    // Derived data: no fsync needed.
    await db.batch([{ type: 'put', key, value }, ...stale.map((old) => ({ type: 'del' as const, key: old }))])
    state.lastCheckpointSeq = seq
    state.sinceEntries -= sinceEntries
    state.sinceBytes -= sinceBytes
    observer?.onCheckpoint?.({ doc: state.doc, seq, bytes: value.length, ms: performance.now() - started })
    return seq
  }

  /** The keys of older checkpoints that the shared thinning drops (the base checkpoint is never touched). */
  async function staleCheckpointKeys(state: DocState, head: number): Promise<Uint8Array[]> {
    const { checkpointPrefix, record } = state
    const keys = await db.keys({ gt: seqKey(checkpointPrefix, record.baseSeq), lt: seqKey(checkpointPrefix, head) }).all()
    const stale = new Set(staleCheckpoints(keys.map((key) => decodeSeq(key, checkpointPrefix.length)), head))
    return keys.filter((key) => stale.has(decodeSeq(key, checkpointPrefix.length)))
  }

  /** The document's intact checkpoints after the base, newest first: seq and time. */
  async function* checkpointTimes(state: DocState): AsyncGenerator<{ seq: number; time: number }> {
    const { checkpointPrefix, record } = state
    const range = { gt: seqKey(checkpointPrefix, record.baseSeq), lte: seqKey(checkpointPrefix, state.headSeq), reverse: true }
    for await (const [key, value] of db.iterator(range)) {
      try {
        yield { seq: decodeSeq(key, checkpointPrefix.length), time: decodeCheckpoint(key, value).time }
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error
      }
    }
  }

  /** Folds everything up to the newest checkpoint older than the horizon into the base. */
  async function retain(state: DocState): Promise<number> {
    const policy = options.retention
    if (policy === undefined) return state.record.baseSeq
    const { record, checkpointPrefix, entryPrefix, doc } = state
    const base = await retentionBase(checkpointTimes(state), policy, now())
    if (base === undefined) return record.baseSeq
    const folded: DocRecord = {
      ...record,
      baseSeq: base.seq,
      baseTime: base.time,
      baseIsCheckpoint: true,
      cuts: record.cuts.filter(([, to]) => to > base.seq),
    }
    const recordKey = documentKey(doc)
    // The record moves the base first (fsynced, which also persists the checkpoint written before
    // it); the old keys are then garbage that reads no longer reach.
    await db.put(recordKey, encodeDocRecord(recordKey, folded), { sync: true })
    state.record = folded
    await db.clear({ gte: prefixBounds(entryPrefix).gte, lte: seqKey(entryPrefix, base.seq) })
    await db.clear({ gte: prefixBounds(checkpointPrefix).gte, lt: seqKey(checkpointPrefix, base.seq) })
    return base.seq
  }

  // ── reads ─────────────────────────────────────────────────────────────────────────────────

  const summaryOf = (state: DocState): DocSummary | undefined =>
    state.record.removed || state.headSeq === 0
      ? undefined
      : { doc: state.doc, headSeq: state.headSeq, lastChange: state.headTime, historyStartsAt: state.record.baseSeq + 1 }

  const historyGone = (state: DocState, seq: number): RotaLogError =>
    new RotaLogError(LogErrorCode.HistoryGone, `history of ${state.doc} before seq ${state.record.baseSeq + 1} is gone`, {
      doc: state.doc,
      seq,
    })

  async function resolveSeq(state: DocState, at: VersionRef | undefined): Promise<number> {
    const head = summaryOf(state) === undefined ? 0 : state.headSeq
    if (at === undefined) return head
    if ('seq' in at) {
      if (at.seq > head) {
        throw new RotaLogError(LogErrorCode.OutOfRange, `${state.doc} has no seq ${at.seq} (head ${head})`, { doc: state.doc, seq: at.seq })
      }
      if (head > 0 && at.seq < state.record.baseSeq) throw historyGone(state, at.seq)
      return at.seq
    }
    if (head === 0) return 0
    const { record } = state
    const found = await seqByTime(db, state, record.baseSeq + 1, head, at.time, true)
    if (found !== undefined) return found
    if (record.baseSeq > 0 && !(record.baseIsCheckpoint && at.time >= record.baseTime)) throw historyGone(state, record.baseSeq)
    return record.baseSeq
  }

  async function* readEntries(doc: string, range: ReadRange): AsyncGenerator<LogEntry> {
    const state = await loadedState(doc)
    if (summaryOf(state) === undefined) return
    const { record } = state
    if (range.fromSeq !== undefined && range.fromSeq > 0 && range.fromSeq <= record.baseSeq) throw historyGone(state, range.fromSeq)
    let from = Math.max(range.fromSeq ?? 0, record.baseSeq + 1)
    let to = Math.min(range.toSeq ?? Infinity, state.headSeq)
    if (range.fromTime !== undefined && from <= to) from = (await seqByTime(db, state, from, to, range.fromTime, false)) ?? to + 1
    if (range.toTime !== undefined && from <= to) to = (await seqByTime(db, state, from, to, range.toTime, true)) ?? from - 1
    const limit = range.limit ?? Infinity
    if (limit === 0) return
    const reverse = range.reverse === true
    // Lost seqs in the range (see lost.ts): the entries before them are read, then the read fails.
    const gap = lostWithin(state.lost, from, to)
    let count = 0
    for await (const entry of scanEntries(db, state, from, to, reverse)) {
      if (gap !== undefined && (reverse ? entry.seq < gap[0] : entry.seq > gap[1])) throw lostError(doc, gap)
      yield { doc, seq: entry.seq, update: entry.update, meta: entry.meta! }
      if (++count >= limit) return
    }
    if (gap !== undefined) throw lostError(doc, gap)
  }

  /** A document's summary without caching its state (listDocs over many documents). */
  async function summaryFromDisk(doc: string, record: DocRecord): Promise<DocSummary | undefined> {
    if (record.removed) return undefined
    const last = await lastEntry(db, docView(doc, record))
    const headSeq = lostRange(record, last?.seq ?? record.baseSeq)?.[1] ?? last?.seq ?? (record.baseIsCheckpoint ? record.baseSeq : 0)
    if (headSeq === 0) return undefined
    return { doc, headSeq, lastChange: last?.time ?? record.baseTime, historyStartsAt: record.baseSeq + 1 }
  }

  async function verifyDoc(state: DocState): Promise<VerifyReport> {
    const report: VerifyReport = { doc: state.doc, entries: 0, damaged: [], damagedCheckpoints: [] }
    if (state.record.removed) return report
    const { record, entryPrefix, checkpointPrefix } = state
    let expected = record.baseSeq + 1
    const skipCuts = (seq: number): number => {
      let next = seq
      while (isCut(record, next)) next++
      return next
    }
    expected = skipCuts(expected)
    for await (const [key, value] of db.iterator({ gt: seqKey(entryPrefix, record.baseSeq), lt: prefixBounds(entryPrefix).lt })) {
      const seq = decodeSeq(key, entryPrefix.length)
      for (; expected < seq; expected = skipCuts(expected + 1)) report.damaged.push({ seq: expected, reason: 'missing' })
      report.entries++
      try {
        Y.parseUpdateMeta(decodeEntry(key, value).update)
      } catch (error) {
        report.damaged.push({ seq, reason: error instanceof DecodeError ? error.message : `undecodable update: ${(error as Error).message}` })
      }
      expected = skipCuts(seq + 1)
    }
    const { lost } = state
    if (lost !== undefined) {
      for (expected = Math.max(expected, lost[0]); expected <= lost[1]; expected = skipCuts(expected + 1)) report.damaged.push({ seq: expected, reason: 'missing' })
    }
    for await (const [key, value] of db.iterator(prefixBounds(checkpointPrefix))) {
      try {
        decodeCheckpoint(key, value)
      } catch {
        report.damagedCheckpoints!.push(decodeSeq(key, checkpointPrefix.length))
      }
    }
    return report
  }

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
        if (failed !== undefined) throw failed
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
      await exclusive(state, async () => {
        if (summaryOf(state) === undefined) throw new RotaLogError(LogErrorCode.NotFound, `no document ${doc}`, { doc })
        const baseSeq = state.nextSeq - 1
        const record: DocRecord = { baseSeq, baseTime: state.headTime, baseIsCheckpoint: false, nextSeq: state.nextSeq, removed: true, cuts: [] }
        const recordKey = documentKey(doc)
        const removalKey = seqKey(docPrefix(Tag.Removal, doc), baseSeq)
        await db.batch(
          [
            { type: 'put', key: recordKey, value: encodeDocRecord(recordKey, record) },
            { type: 'put', key: removalKey, value: encodeRemoval(removalKey, storedMeta(meta, 0)) },
          ],
          { sync: true },
        )
        // The record already hides them; now reclaim the space.
        await db.clear(prefixBounds(state.entryPrefix))
        await db.clear(prefixBounds(state.checkpointPrefix))
        await refresh(state)
      })
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
      return exclusive(state, async () => {
        if (summaryOf(state) === undefined && !state.record.baseIsCheckpoint) return 0
        if (seq < state.record.baseSeq) throw historyGone(state, seq)
        const entryKeys = await db.keys({ gt: seqKey(state.entryPrefix, seq), lt: prefixBounds(state.entryPrefix).lt }).all()
        if (entryKeys.length === 0 && (state.lost === undefined || state.lost[1] <= seq)) return 0
        const checkpointKeys = await db.keys({ gt: seqKey(state.checkpointPrefix, seq), lt: prefixBounds(state.checkpointPrefix).lt }).all()
        const record: DocRecord = { ...state.record, nextSeq: state.nextSeq, cuts: [...state.record.cuts, [seq + 1, state.nextSeq - 1]] }
        const recordKey = documentKey(doc)
        await db.batch(
          [
            ...[...entryKeys, ...checkpointKeys].map((key) => ({ type: 'del' as const, key })),
            { type: 'put' as const, key: recordKey, value: encodeDocRecord(recordKey, record) },
          ],
          { sync: true },
        )
        await refresh(state)
        return entryKeys.length
      })
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
        closed = true
        await writer.drain()
        await maintenance.idle()
        await Promise.allSettled([...states.values()].map((state) => settledAppends(state)))
        await heads.close()
        await builder.close()
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
