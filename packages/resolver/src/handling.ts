/**
 * What the resolver does with an examined update's detections (SPEC.md [S1]–[S3]): builds each conflict with
 * its options and the team model's suggestion, grows an open conflict a later session joined, claims the
 * conflict's id (of two instances fed the same log one acts), and either applies the suggestion when the team
 * trusts it or asks. Also the one way a decision changes the document (`applyChange`).
 */
import type { Detection } from './detect.ts'
import { predict } from './model.ts'
import { applyWithInverse } from './ops.ts'
import { buildConflict } from './options.ts'
import { conflictIdOf, teamOf, toPublic } from './records.ts'
import type { ResolverOptions } from './resolver.ts'
import type { Teams } from './teams.ts'
import type { Conflict, ConflictRecord } from './types.ts'

const round = (x: number): number => Math.round(x * 1000) / 1000

export interface HandlingContext {
  options: ResolverOptions
  now: () => number
  teams: Teams
  /** Tells connected editors that these conflicts of the document changed. */
  notify: (doc: string, changed: string[]) => Promise<void>
  track: <T>(promise: Promise<T>) => Promise<T>
}

export const createHandling = (ctx: HandlingContext) => {
  const { options, now, teams, notify, track } = ctx
  const { store } = options

  const applyChange = async (r: ConflictRecord, optionId: string, strategy: string, confidence: number | null,
    undo: ConflictRecord['appliedInverse'], ops: ConflictRecord['appliedInverse']): Promise<ConflictRecord['appliedInverse']> => {
    let inverse: ConflictRecord['appliedInverse'] = []
    await options.change(r.doc, { conflictId: r.id, optionId, strategy, confidence }, (ydoc) => {
      inverse = applyWithInverse(ydoc, undo ?? [], ops ?? [])
    })
    return inverse
  }

  /**
   * An open conflict on the same problem (key) as a new detection that names more editors: a later
   * session joined it (a third editor's note, a third value for one field). It grows in place, keeping its
   * id, so the team answers one conflict whose options cover every involved editor ([O4]).
   */
  const openToGrow = async (doc: string, d: Detection, editors: number): Promise<ConflictRecord | undefined> =>
    (await store.list(doc)).find((r) => r.key === d.key && r.status === 'open' && r.edits.length < editors)

  /** Applies a confident suggestion; if the document moved under it, the conflict is asked instead. */
  const applyAutomatically = async (record: ConflictRecord, strategy: string, expected: 'claimed' | 'open'): Promise<ConflictRecord> => {
    const optionId = record.suggestion.optionId
    const option = record.options.find((o) => o.id === optionId)
    try {
      const inverse = await applyChange(record, optionId, strategy, record.suggestion.confidence, [], option?.ops ?? [])
      const applied = { ...record, appliedOptionId: optionId, appliedInverse: inverse, resolvedAt: new Date(now()).toISOString(), resolvedBy: 'resolver' }
      await store.transition(applied, expected)
      options.metrics?.autoApplied.inc({ kind: record.kind })
      teams.leftAloneLater(applied)
      return applied
    } catch {
      const asked = { ...record, status: 'open' as const }
      await store.transition(asked, expected)
      options.metrics?.asked.inc({ kind: record.kind })
      return asked
    }
  }

  /**
   * The id is claimed but hidden: an automatic resolution whose instance stopped between claim and outcome
   * (it crashed; only a lease holder re-examining what its predecessor did not finish gets here). Asked
   * instead, by compare-and-set on `claimed`: if that instance was only paused and finishes, one of the two wins.
   */
  const recoverClaim = async (record: ConflictRecord): Promise<boolean> =>
    (await store.get(record.doc, record.id)) === undefined && store.transition({ ...record, status: 'open' }, 'claimed')

  const handleDetections = async (doc: string, detections: Detection[]): Promise<Conflict[]> => {
    const teamName = teamOf(doc)
    const created: Conflict[] = []
    for (const d of detections) {
      const built = buildConflict(d)
      const state = await teams.team(teamName)
      const prediction = predict(state.model, built.features)
      // Threshold 0 is the team's explicit "act on everything": the trust conditions (model.ts) are for the default.
      const trusted = prediction.trusted || state.settings.threshold === 0
      const auto = trusted && prediction.confidence >= state.settings.threshold && !state.settings.alwaysAsk.includes(built.kind)
      const grown = await openToGrow(doc, d, built.edits.length)
      const record: ConflictRecord = {
        id: grown?.id ?? conflictIdOf(doc, d.seq, d.key), doc, team: teamName, key: d.key, seq: grown?.seq ?? d.seq,
        kind: built.kind, refs: built.refs, edits: built.edits, options: built.options,
        suggestion: { optionId: prediction.optionId, confidence: round(prediction.confidence), strategy: prediction.strategy },
        status: auto ? 'auto_applied' : 'open', appliedOptionId: null,
        detectedAt: grown?.detectedAt ?? new Date(now()).toISOString(), resolvedAt: null, resolvedBy: null,
        features: built.features, appliedInverse: null, learnedUnchallenged: false,
      }
      if (grown) {
        // Compare-and-set on `open`: of two instances growing it, both write the same record.
        if (!(await store.transition({ ...record, status: 'open' }, 'open'))) continue
        created.push(toPublic(auto ? await applyAutomatically(record, prediction.strategy, 'open') : { ...record, status: 'open' }))
        continue
      }
      // Another instance fed the same log derives the same id: whoever claims first acts ([S2]).
      if (!(await store.claim(record))) {
        if (options.recoverClaims && await recoverClaim(record)) created.push(toPublic({ ...record, status: 'open' }))
        continue
      }
      options.metrics?.detected.inc({ kind: record.kind })
      if (auto) {
        created.push(toPublic(await applyAutomatically(record, prediction.strategy, 'claimed')))
      } else {
        options.metrics?.asked.inc({ kind: record.kind })
        created.push(toPublic(record))
      }
    }
    await notify(doc, created.map((c) => c.id))
    const listener = options.onConflicts
    if (listener !== undefined && created.length > 0) track(Promise.resolve().then(() => listener(doc, created)).catch(() => undefined))
    await teams.sweepLeftAlone(teamName)
    return created
  }

  return { handleDetections, applyChange }
}
