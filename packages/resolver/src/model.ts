import type { ConflictFeatures, ConflictKind, OptionFeatures, Strategy } from './types.ts'

/**
 * One team's preference model ([M1]–[M6] in SPEC.md): a conditional logit over a conflict's options
 * (softmax of summed weights of the option's features, shared across kinds and per kind), trained online
 * by stochastic gradient descent on every answer. Confidence is the team's track record on suggestions
 * like this one, pooled team → kind → strategy → roles, so what holds for every kind is learnt once; a
 * kind is acted on only with some answers of its own ([M1]). State is plain JSON.
 */
export interface TeamModelState {
  version: 1
  weights: Record<string, number>
  /**
   * Exponentially weighted counts of suggestions that matched / missed the team's answer: team-wide (`*`),
   * per kind and per (kind, strategy) — so evidence common to all kinds is shared, and a strategy that only
   * sometimes applies (a tie-breaker) earns its own trust. `streak`: answers since the last miss.
   */
  record: Record<string, TrackRecord>
  answers: number
}

interface TrackRecord { hit: number; miss: number; answers: number; streak?: number }

export interface Prediction {
  optionId: string
  strategy: Strategy
  /** Calibrated probability that optionId is the team's choice. */
  confidence: number
  /** The logit's own probability. */
  raw: number
  /**
   * Whether the kind has answers enough of its own to act on: a new team, or a kind the team has not
   * answered often, is asked whatever the confidence ([M1]); so is a kind whose last answer was a miss.
   */
  trusted: boolean
  probabilities: Record<string, number>
}

/** Sensible defaults before a team has answered: what Yjs kept and seniority lead, all well below any threshold. */
const priorWeights: Record<string, number> = { 's:yjs_kept': 0.3, 's:senior_role': 0.2, 's:first_writer_wins': 0.1 }

const LEARNING_RATE = 0.6
const L2 = 0.002
/** Forgetting factor of the track record, so a team that changes its mind is followed. */
const DECAY = 0.98
/** Beta prior of the team-wide record: a team without history starts at 1/2 and must earn trust. */
const PRIOR_HIT = 1
const PRIOR_MISS = 1
/** Weight (in answers) of the team-wide rate as the prior of a kind's rate, and of a kind's as a (kind, strategy)'s. */
const KIND_PRIOR = 2
const STRATEGY_PRIOR = 2
/** Answers on a kind before the model may act on it, and answers of the team in all. */
export const MIN_ANSWERS = 3
const MIN_TEAM_ANSWERS = 6
/** The least own hit rate of a kind before its suggestions may be applied (3 hits of 3 reach 0.8, 4 of 5 do not). */
const OWN_EVIDENCE = 0.7
const TEAM = '*'

export const newTeamModel = (): TeamModelState => ({ version: 1, weights: { ...priorWeights }, record: {}, answers: 0 })

const SMALL = 1.0

const featureNames = (kind: ConflictKind, option: OptionFeatures, magnitude: number, rolesDiffer: boolean): string[] => {
  const names: string[] = []
  // Strategies also count separately when the editors' roles tie: a team's tie-breaker (first writer
  // between two managers) may contradict what it does otherwise (the senior one, even if later).
  for (const s of option.strategies) names.push(`s:${s}`, `k:${kind}:s:${s}`, ...(rolesDiffer ? [] : [`tie:s:${s}`]))
  if (option.keepAll && magnitude <= SMALL) names.push('keep_all_small', `k:${kind}:keep_all_small`)
  if (option.keepAll && magnitude > SMALL) names.push(`k:${kind}:keep_all_large`)
  return names
}

const scores = (state: TeamModelState, f: ConflictFeatures): number[] =>
  f.options.map((o) => featureNames(f.kind, o, f.magnitude, f.rolesDiffer).reduce((sum, n) => sum + (state.weights[n] ?? 0), 0))

const softmax = (xs: number[]): number[] => {
  const m = Math.max(...xs)
  const e = xs.map((x) => Math.exp(x - m))
  const z = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / z)
}

/**
 * Posterior mean hit rate: team-wide with a Beta(1, 1) prior; a kind shrunk toward the team's rate; a
 * `kind|strategy` shrunk toward its kind's. Evidence common to every kind (the team follows its features)
 * is shared, and a kind that differs pulls away from the others with its own answers.
 */
export const trackRecord = (state: TeamModelState, key: string): number => {
  const r = state.record[key] ?? { hit: 0, miss: 0, answers: 0 }
  if (key === TEAM) return (PRIOR_HIT + r.hit) / (PRIOR_HIT + PRIOR_MISS + r.hit + r.miss)
  const bar = key.lastIndexOf('|')
  const [prior, strength] = bar < 0 ? [trackRecord(state, TEAM), KIND_PRIOR] : [trackRecord(state, key.slice(0, bar)), STRATEGY_PRIOR]
  return (strength * prior + r.hit) / (strength + r.hit + r.miss)
}

/**
 * A kind's hit rate on its own answers alone (Beta(1, 1)): the check that borrowed evidence cannot pass
 * for a kind the team decides case by case, whose answers agree with any suggestion only by chance.
 */
const ownRate = (r: TrackRecord | undefined): number => (1 + (r?.hit ?? 0)) / (2 + (r?.hit ?? 0) + (r?.miss ?? 0))

/** The strategy that contributes most to an option's score: the suggestion's reason. */
const leadingStrategy = (state: TeamModelState, kind: ConflictKind, option: OptionFeatures): Strategy => {
  const weight = (s: Strategy): number => (state.weights[`s:${s}`] ?? 0) + (state.weights[`k:${kind}:s:${s}`] ?? 0)
  return [...option.strategies].sort((a, b) => weight(b) - weight(a))[0] ?? (option.keepAll ? 'keep_all' : 'yjs_kept')
}

/**
 * The record a suggestion is judged by: its kind, its strategy, and whether the editors' roles differ (a
 * team's tie-breaker may be followed less faithfully than its main rule). Shrunk toward `kind|strategy`.
 */
const contextKey = (f: ConflictFeatures, strategy: Strategy): string => `${f.kind}|${strategy}|${f.rolesDiffer ? 'differ' : 'tie'}`

export const predict = (state: TeamModelState, f: ConflictFeatures): Prediction => {
  const p = softmax(scores(state, f))
  let best = 0
  for (let i = 1; i < p.length; i++) if ((p[i] as number) > (p[best] as number)) best = i
  const option = f.options[best] as OptionFeatures
  const strategy = leadingStrategy(state, f.kind, option)
  const raw = p[best] as number
  const kind = state.record[f.kind]
  // Calibration: the team's record on suggestions like this one. The logit's own probability is left out:
  // shrunk by L2 and a learning rate, it stays timid once a rule is learnt (taking the minimum with it made
  // the evaluation under-confident: ECE 0.06–0.09 instead of 0.02–0.05, and 4–14 points less coverage in the first 60).
  const confidence = trackRecord(state, contextKey(f, strategy))
  const trusted = state.answers >= MIN_TEAM_ANSWERS && (kind?.answers ?? 0) >= MIN_ANSWERS && (kind?.streak ?? 0) >= 1 &&
    ownRate(kind) >= OWN_EVIDENCE
  return {
    optionId: option.optionId, strategy, raw, confidence, trusted,
    probabilities: Object.fromEntries(f.options.map((o, i) => [o.optionId, p[i] as number])),
  }
}

const counted = (r: TrackRecord | undefined, hit: boolean, weight: number, decay: number): TrackRecord => {
  const prev = r ?? { hit: 0, miss: 0, answers: 0, streak: 0 }
  return {
    hit: prev.hit * decay + (hit ? weight : 0), miss: prev.miss * decay + (hit ? 0 : weight),
    answers: prev.answers + (weight >= 1 ? 1 : 0), streak: hit ? (prev.streak ?? 0) + (weight >= 1 ? 1 : 0) : 0,
  }
}

/**
 * Learns from one answer: the team chose `chosen` (a resolve, an override, a confirmation; a dismissal
 * teaches the option that changes nothing). `weight` < 1 for weak signals such as a resolution left alone.
 */
export const learn = (state: TeamModelState, f: ConflictFeatures, chosen: string, weight = 1): TeamModelState => {
  const index = f.options.findIndex((o) => o.optionId === chosen)
  if (index < 0) return state
  const before = predict(state, f)
  const p = softmax(scores(state, f))
  const weights = { ...state.weights }
  const step = LEARNING_RATE * weight
  f.options.forEach((o, i) => {
    const gradient = (p[i] as number) - (i === index ? 1 : 0)
    for (const n of featureNames(f.kind, o, f.magnitude, f.rolesDiffer)) weights[n] = (weights[n] ?? 0) * (1 - L2) - step * gradient
  })
  const decay = DECAY ** weight
  const hit = before.optionId === chosen
  const record = { ...state.record }
  for (const key of [TEAM, f.kind, `${f.kind}|${before.strategy}`, contextKey(f, before.strategy)]) record[key] = counted(record[key], hit, weight, decay)
  return { version: 1, weights, record, answers: state.answers + (weight >= 1 ? 1 : 0) }
}
