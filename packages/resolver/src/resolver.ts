import type * as Y from 'yjs'
import type { ConflictsNotice } from '@rota/protocol'
import { createLocks, type Locks } from '@rota/server'
import { ResolverError, ResolverErrorCode } from './errors.ts'
import type { EditEvent } from './history.ts'
import type { ResolverMetrics } from './metrics.ts'
import { Pipeline, type ResolverLog } from './pipeline.ts'
import type { RetentionOptions } from './retention.ts'
import { Slicer, defaultSliceMs } from './slicer.ts'
import { createHandling } from './handling.ts'
import { createTeams } from './teams.ts'
import { teamOf, toPublic } from './records.ts'

export { conflictIdOf, teamOf, toPublic } from './records.ts'
import type { ResolverStore } from './store.ts'
import {
  conflictStatuses, isConflictKind,
  type Conflict, type ConflictRecord, type ConflictStatus, type TeamSettings,
} from './types.ts'

export interface ResolverOptions {
  store: ResolverStore
  /**
   * Runs `fn` on the live document as one transaction with origin `resolver`, logged with `details`
   * (the server's `rooms.change`). Resolves once the change is in the log.
   */
  change: (doc: string, details: Record<string, unknown>, fn: (ydoc: Y.Doc) => void) => Promise<void>
  /**
   * The update log: a document's earlier updates are read from it when the resolver first sees the
   * document (after a restart, or after it unloaded), and evicted history when an old view needs it.
   */
  log?: ResolverLog
  /** How much history is kept in memory per document (retention.ts). */
  retention?: Partial<RetentionOptions>
  /** How long one slice of detection may hold the event loop before giving it back. Default 2 ms (slicer.ts). */
  sliceMs?: number
  /** Tells connected editors that a document's conflicts changed. */
  notify?: (doc: string, notice: ConflictsNotice) => void
  metrics?: ResolverMetrics
  now?: () => number
  /** An automatic resolution nobody challenged for this long counts as weak agreement. Default 24 h. */
  unchallengedAfterMs?: number
  /**
   * Keep each team's model and settings in memory after the first read. Default true; false when other
   * instances write the same store (a shared database), so predictions use what they taught too.
   */
  cacheTeams?: boolean
  /**
   * A detection whose id is already claimed but unfinished is asked (open) instead of skipped. Only for a
   * resolver fed by a lease (feed.ts): it re-examines only what a crashed holder left unfinished.
   */
  recoverClaims?: boolean
  /**
   * Told of the conflicts an examined update created or grew, once stored: `open` ones wait for a person's
   * decision, `auto_applied` ones were resolved automatically (the publish inbox tells the people concerned).
   * Not awaited by detection, but `idle()` waits for it; its failures are the listener's to report.
   */
  onConflicts?: (doc: string, conflicts: Conflict[]) => void | Promise<void>
}

export interface Resolver {
  /**
   * Feeds one update (in seq order per document): it joins the document's backlog and is examined in a
   * later slice of the event loop; resolves with the conflicts it created.
   */
  observe(doc: string, event: EditEvent): Promise<Conflict[]>
  /** Updates not examined yet, the age of the oldest (ms), and the history entries held in memory. */
  backlog(): { updates: number; oldestMs: number; retained: number }
  /** Drops a document's history (it unloaded), unless it has updates waiting. */
  forget(doc: string): boolean
  /** Documents whose history is held in memory. */
  held(): string[]
  list(doc: string, status?: ConflictStatus | 'all'): Promise<Conflict[]>
  get(doc: string, id: string): Promise<Conflict>
  resolve(doc: string, id: string, optionId: string, by: string): Promise<Conflict>
  dismiss(doc: string, id: string, by: string): Promise<Conflict>
  settings(team: string): Promise<TeamSettings>
  updateSettings(team: string, patch: Partial<TeamSettings>): Promise<TeamSettings>
  /** Waits until every queued update has been processed. */
  idle(): Promise<void>
  /** The highest seq of a document whose processing (detection and any automatic resolution) is complete. */
  processedSeq(doc: string): number
}

export const validateSettingsPatch = (patch: unknown): Partial<TeamSettings> => {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new ResolverError(ResolverErrorCode.BadInput, 'settings must be an object')
  }
  const { threshold, alwaysAsk, ...rest } = patch as Record<string, unknown>
  if (Object.keys(rest).length > 0) throw new ResolverError(ResolverErrorCode.BadInput, `unknown settings: ${Object.keys(rest).join(', ')}`)
  const out: Partial<TeamSettings> = {}
  if (threshold !== undefined) {
    if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
      throw new ResolverError(ResolverErrorCode.BadInput, 'threshold must be a number from 0 to 1', { threshold })
    }
    out.threshold = threshold
  }
  if (alwaysAsk !== undefined) {
    if (!Array.isArray(alwaysAsk) || !alwaysAsk.every(isConflictKind)) {
      throw new ResolverError(ResolverErrorCode.BadInput, 'alwaysAsk must list conflict kinds', { alwaysAsk })
    }
    out.alwaysAsk = [...new Set(alwaysAsk)]
  }
  return out
}

export const createResolver = (options: ResolverOptions): Resolver => {
  const { store } = options
  const now = options.now ?? Date.now
  const leftAloneAfter = options.unchallengedAfterMs ?? 24 * 3600_000
  const docLocks = createLocks()
  const teamLocks = createLocks()
  const processed = new Map<string, number>()
  let inflight = new Set<Promise<unknown>>()

  /** Keeps `idle()` waiting for a promise (settled either way). */
  const track = <T>(promise: Promise<T>): Promise<T> => {
    const tail = promise.then(() => undefined, () => undefined)
    inflight.add(tail)
    void tail.then(() => inflight.delete(tail))
    return promise
  }

  /** One section at a time per key (`docLocks`: a document's conflicts; `teamLocks`: a team's model), seen by `idle()`. */
  const serial = <T>(locks: Locks, key: string, fn: () => Promise<T>): Promise<T> => track(locks(key, fn))

  const teams = createTeams({
    store, now, leftAloneAfter, cacheTeams: options.cacheTeams !== false, metrics: options.metrics, serial, teamLocks, track,
  })
  const { team, updateTeam, teach, sweepNow } = teams

  const notify = async (doc: string, changed: string[]): Promise<void> => {
    if (!options.notify || changed.length === 0) return
    const open = (await store.list(doc)).filter((r) => r.status === 'open').length
    options.notify(doc, { open, changed })
  }

  const { handleDetections, applyChange } = createHandling({ options, now, teams, notify, track })

  const slicer = new Slicer(options.sliceMs ?? defaultSliceMs, undefined, (ms) => options.metrics?.slices.observe(ms / 1000))
  const pipeline = new Pipeline<Conflict[]>({
    slicer,
    ...(options.log ? { log: options.log } : {}),
    ...(options.retention ? { retention: options.retention } : {}),
    // Conflict handling shares the document's lane with resolve and dismiss.
    handle: (doc, _event, detections) => (detections.length === 0 ? Promise.resolve([]) : serial(docLocks, doc, () => handleDetections(doc, detections))),
    examined: (doc, seq) => {
      processed.set(doc, Math.max(processed.get(doc) ?? 0, seq))
      options.metrics?.examined.inc()
      sweepNow(teamOf(doc))
    },
    readBack: () => options.metrics?.readBack.inc(),
  })
  options.metrics?.backlogFrom(() => pipeline.stats())

  const load = async (doc: string, id: string): Promise<ConflictRecord> => {
    const r = await store.get(doc, id)
    if (!r) throw new ResolverError(ResolverErrorCode.UnknownConflict, `no conflict ${id} in ${doc}`, { doc, id })
    return r
  }

  const settled = (r: ConflictRecord): ResolverError =>
    new ResolverError(ResolverErrorCode.StatusConflict, `conflict ${r.id} is already ${r.status}`, { status: r.status, appliedOptionId: r.appliedOptionId })

  /** Commits the decision first (compare-and-set), then changes the document; rolls the status back if that fails. */
  const decide = async (prev: ConflictRecord, next: ConflictRecord, undo: ConflictRecord['appliedInverse'], ops: ConflictRecord['appliedInverse'], strategy: string): Promise<ConflictRecord> => {
    if (!(await store.transition(next, prev.status))) throw settled(await load(prev.doc, prev.id))
    if ((undo?.length ?? 0) === 0 && (ops?.length ?? 0) === 0) return next
    try {
      const inverse = await applyChange(next, next.appliedOptionId ?? 'none', strategy, null, undo, ops)
      const done = { ...next, appliedInverse: inverse }
      await store.transition(done, next.status)
      return done
    } catch (err) {
      await store.transition(prev, next.status)
      throw new ResolverError(ResolverErrorCode.StatusConflict, 'the document changed so that this option no longer applies', { cause: String(err) })
    }
  }

  return {
    observe: (doc, event) => track(pipeline.observe(doc, event)),
    backlog: () => pipeline.stats(),
    forget: (doc) => pipeline.forget(doc),
    held: () => pipeline.docs(),

    async list(doc, status = 'open') {
      if (status !== 'all' && !conflictStatuses.includes(status)) {
        throw new ResolverError(ResolverErrorCode.BadInput, `unknown status ${String(status)}`, { status })
      }
      const all = await store.list(doc)
      return all.filter((r) => status === 'all' || r.status === status)
        .sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : 1)).map(toPublic)
    },

    get: async (doc, id) => toPublic(await load(doc, id)),

    resolve: (doc, id, optionId, by) => serial(docLocks, doc, async () => {
      const r = await load(doc, id)
      const option = r.options.find((o) => o.id === optionId)
      if (!option) throw new ResolverError(ResolverErrorCode.UnknownOption, `conflict ${id} has no option ${optionId}`, { optionId })
      const at = new Date(now()).toISOString()
      let next: ConflictRecord
      switch (r.status) {
        case 'open':
          next = await decide(r, { ...r, status: 'resolved', appliedOptionId: optionId, resolvedAt: at, resolvedBy: by }, [], option.ops, 'person')
          options.metrics?.resolved.inc({ kind: r.kind })
          break
        case 'auto_applied':
          if (optionId === r.appliedOptionId) {
            next = await decide(r, { ...r, status: 'resolved', resolvedAt: at, resolvedBy: by }, [], [], 'person')
            options.metrics?.resolved.inc({ kind: r.kind })
          } else {
            next = await decide(r, { ...r, status: 'overridden', appliedOptionId: optionId, resolvedAt: at, resolvedBy: by }, r.appliedInverse, option.ops, 'person')
            options.metrics?.overridden.inc({ kind: r.kind })
          }
          if (!r.learnedUnchallenged) options.metrics?.judge(r.team, optionId === r.appliedOptionId)
          break
        default:
          if ((r.status === 'resolved' || r.status === 'overridden') && r.appliedOptionId === optionId) return toPublic(r)
          throw settled(r)
      }
      await teach(r.team, r, optionId)
      await notify(doc, [id])
      return toPublic(next)
    }),

    dismiss: (doc, id, by) => serial(docLocks, doc, async () => {
      const r = await load(doc, id)
      if (r.status === 'dismissed') return toPublic(r)
      if (r.status !== 'open' && r.status !== 'auto_applied') throw settled(r)
      const next = await decide(r, { ...r, status: 'dismissed', resolvedAt: new Date(now()).toISOString(), resolvedBy: by },
        r.status === 'auto_applied' ? r.appliedInverse : [], [], 'dismiss')
      options.metrics?.dismissed.inc({ kind: r.kind })
      if (r.status === 'auto_applied' && !r.learnedUnchallenged) options.metrics?.judge(r.team, false)
      // "Not a conflict": the team wants the merge as Yjs left it.
      const asMerged = r.features.options.find((o) => o.strategies.includes('yjs_kept'))
      if (asMerged) await teach(r.team, r, asMerged.optionId)
      await notify(doc, [id])
      return toPublic(next)
    }),

    settings: async (name) => (await team(name)).settings,

    updateSettings: (name, patch) => serial(teamLocks, name, async () => {
      const valid = validateSettingsPatch(patch)
      return (await updateTeam(name, (state) => ({ ...state, settings: { ...state.settings, ...valid } }))).settings
    }),

    processedSeq: (doc) => processed.get(doc) ?? 0,

    async idle() {
      while (inflight.size > 0) {
        const current = inflight
        inflight = new Set()
        await Promise.all(current)
        await pipeline.idle()
      }
    },
  }
}

