import type { CoverageRef, ViolationKind } from './rules.ts'

/** A change in @rota/model's path syntax ('shifts.s42.assignee'). */
export interface PathOp { op: 'set' | 'delete' | 'append'; path: string; value?: unknown }

export type ConflictKind = 'concurrent_overwrite' | ViolationKind
export const conflictKinds: readonly ConflictKind[] = [
  'concurrent_overwrite', 'double_booking', 'max_hours_exceeded', 'time_off_violation',
  'skill_mismatch', 'dangling_reference', 'coverage_shortfall',
  'rest_too_short', 'too_many_consecutive_days', 'shift_too_long', 'day_too_long',
]
export const isConflictKind = (k: unknown): k is ConflictKind => conflictKinds.includes(k as ConflictKind)

export type ConflictStatus = 'open' | 'auto_applied' | 'resolved' | 'overridden' | 'dismissed'
export const conflictStatuses: readonly ConflictStatus[] = ['open', 'auto_applied', 'resolved', 'overridden', 'dismissed']

/** A conflict id: deterministic from (document, causing update, violation), so every instance derives the same one. */
export type ConflictId = string & { readonly __conflictId: true }

export interface ConflictRefs { shifts: string[]; staff: string[]; paths: string[]; coverage: CoverageRef | null }

/** One involved editor (all their concurrent updates together). Times are ISO-8601. */
export interface ConflictEdit { editorId: string; role: string; clientTime: string; receivedAt: string }

export interface ConflictOption { id: string; keeps: string[]; label: string; ops: PathOp[] }

/** Named reasons an option may be the team's choice; the model's features and the suggestion's `strategy`. */
export type Strategy =
  | 'first_writer_wins' | 'last_writer_wins' | 'senior_role' | 'self_service' | 'under_hours'
  | 'with_note' | 'keep_all' | 'yjs_kept'

export interface Suggestion { optionId: string; confidence: number; strategy: Strategy }

/** The public conflict object, exactly as the HTTP API returns it. */
export interface Conflict {
  id: ConflictId
  kind: ConflictKind
  refs: ConflictRefs
  edits: ConflictEdit[]
  options: ConflictOption[]
  suggestion: Suggestion
  status: ConflictStatus
  appliedOptionId: string | null
  detectedAt: string
  resolvedAt: string | null
  resolvedBy: string | null
}

/** What the model sees of one option: which strategies pick it, and context numbers. */
export interface OptionFeatures { optionId: string; strategies: Strategy[]; keepAll: boolean }

export interface ConflictFeatures {
  kind: ConflictKind
  options: OptionFeatures[]
  /** Overlap minutes, overtime hours, or 0: how big the problem is if every edit is kept. */
  magnitude: number
  rolesDiffer: boolean
}

/** The stored record: the public object plus what the engine needs later. */
export interface ConflictRecord extends Conflict {
  doc: string
  team: string
  /** Violation or path key: what is wrong. */
  key: string
  /** Seq of the update whose arrival created the conflict. */
  seq: number
  features: ConflictFeatures
  /** Ops that undo the applied option, computed when it was applied. */
  appliedInverse: PathOp[] | null
  /** Whether the model already learned from this conflict being left alone. */
  learnedUnchallenged: boolean
}

export interface TeamSettings {
  /** Minimum calibrated confidence to apply a suggestion automatically. */
  threshold: number
  /** Kinds the team always wants to decide itself. */
  alwaysAsk: ConflictKind[]
}

export const defaultTeamSettings: TeamSettings = { threshold: 0.8, alwaysAsk: [] }
