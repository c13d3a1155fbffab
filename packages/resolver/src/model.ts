import type { ConflictFeatures, ConflictKind, OptionFeatures, Strategy } from './types.ts'

/**
 * One team's preference model ([M1]–[M6] in SPEC.md): a conditional logit over a conflict's options
 * (softmax of summed weights of the option's features), trained online by stochastic gradient descent
 * on every answer, with a per-kind track record that bounds the confidence. State is plain JSON.
 */
export interface TeamModelState {
  version: 1
  weights: Record<string, number>
  /**
   * Exponentially weighted counts of suggestions that matched / missed the team's answer, per kind and
   * per (kind, strategy) — `kind` and `kind|strategy` keys — so a strategy that only sometimes applies
   * (a tie-breaker) earns its own trust.
   */
  record: Record<string, { hit: number; miss: number; answers: number }>
  answers: number
}

export interface Prediction {
  optionId: string
  strategy: Strategy
  /** Calibrated probability that optionId is the team's choice. */
  confidence: number
  /** The logit's own probability, before the track record bounds it. */
  raw: number
  probabilities: Record<string, number>
}

/** Sensible defaults before a team has answered: what Yjs kept and seniority lead, all well below any threshold. */
const priorWeights: Record<string, number> = { 's:yjs_kept': 0.3, 's:senior_role': 0.2, 's:first_writer_wins': 0.1 }

const LEARNING_RATE = 0.6
const L2 = 0.002
/** Forgetting factor of the track record, so a team that changes its mind is followed. */
const DECAY = 0.98
/** Beta prior of the track record: a kind without history starts at 1/2 and must earn trust. */
const PRIOR_HIT = 1
const PRIOR_MISS = 1
/** Weight of the kind's record as the prior of a (kind, strategy) record. */
const STRATEGY_PRIOR = 2
/** Answers on a kind before the model may act on it alone. */
export const MIN_ANSWERS = 4

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

/** Posterior mean hit rate for a kind; for a `kind|strategy` key, shrunk toward its kind's rate. */
export const trackRecord = (state: TeamModelState, key: string): number => {
  const r = state.record[key] ?? { hit: 0, miss: 0, answers: 0 }
  const bar = key.indexOf('|')
  if (bar < 0) return (PRIOR_HIT + r.hit) / (PRIOR_HIT + PRIOR_MISS + r.hit + r.miss)
  const kindRate = trackRecord(state, key.slice(0, bar))
  return (STRATEGY_PRIOR * kindRate + r.hit) / (STRATEGY_PRIOR + r.hit + r.miss)
}

export const predict = (state: TeamModelState, f: ConflictFeatures): Prediction => {
  const p = softmax(scores(state, f))
  let best = 0
  for (let i = 1; i < p.length; i++) if ((p[i] as number) > (p[best] as number)) best = i
  const option = f.options[best] as OptionFeatures
  // The strategy named is the one that contributes most to the chosen option's score.
  const strategy = [...option.strategies].sort((a, b) =>
    (state.weights[`s:${b}`] ?? 0) + (state.weights[`k:${f.kind}:s:${b}`] ?? 0) -
    ((state.weights[`s:${a}`] ?? 0) + (state.weights[`k:${f.kind}:s:${a}`] ?? 0)))[0] ?? (option.keepAll ? 'keep_all' : 'yjs_kept')
  const raw = p[best] as number
  const answers = state.record[f.kind]?.answers ?? 0
  // Calibration: never more sure than this team's recent record on this kind and on this kind with this
  // strategy; no record, no autonomy.
  const record = Math.min(trackRecord(state, f.kind), trackRecord(state, `${f.kind}|${strategy}`))
  const confidence = answers < MIN_ANSWERS ? Math.min(raw, record, 0.5) : Math.min(raw, record)
  return {
    optionId: option.optionId, strategy, raw, confidence,
    probabilities: Object.fromEntries(f.options.map((o, i) => [o.optionId, p[i] as number])),
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
  for (const key of [f.kind, `${f.kind}|${before.strategy}`]) {
    const r = record[key] ?? { hit: 0, miss: 0, answers: 0 }
    record[key] = { hit: r.hit * decay + (hit ? weight : 0), miss: r.miss * decay + (hit ? 0 : weight), answers: r.answers + (weight >= 1 ? 1 : 0) }
  }
  return { version: 1, weights, record, answers: state.answers + (weight >= 1 ? 1 : 0) }
}

export const isTeamModelState = (v: unknown): v is TeamModelState =>
  typeof v === 'object' && v !== null && (v as TeamModelState).version === 1 && typeof (v as TeamModelState).weights === 'object'
