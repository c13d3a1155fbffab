import type { SystemId } from '../systems/types.ts'

export type Mode = 'quick' | 'full'

/** One figure a case reports, and which direction is better. */
export interface MetricDef {
  key: string
  label: string
  unit: 'B' | 'KB' | 'B/edit' | 'ms' | 'edits/s' | 'ms/1k edits' | 'MB' | 'KB/doc' | 'count' | 'ratio'
  better: 'lower' | 'higher'
  /** Bytes and byte ratios do not depend on machine load; CI asserts only these. */
  deterministic: boolean
  /** Says how to read the other figures (e.g. which process was the limit); no Rota ÷ peer ratio, no arrow. */
  diagnostic?: boolean
}

/** Figures of one system (or one wire format) in one case. */
export interface Measurement {
  /** A system id, or a wire-format id for the format rows of scenario 1. */
  subject: SystemId | string
  label: string
  durability?: string
  isRota: boolean
  /** false when the case's correctness check failed or the system could not run; figures are then absent. */
  ok: boolean
  error?: string
  metrics: Record<string, number>
  notes?: string[]
}

export interface CaseResult {
  /** Stable name, e.g. 'B1.2'. */
  id: string
  scenario: 1 | 2 | 3 | 4 | 5
  title: string
  params: Record<string, number | string | boolean>
  metrics: MetricDef[]
  measurements: Measurement[]
  /** Set by the runner: how long the scenario took and the machine's load average (1, 5, 15 min) when it ended. */
  run?: { seconds: number; loadAverage: number[] }
}

export interface Progress {
  /** Starts a unit of work with a label; call `done` when it ends. */
  step(label: string): { done(): void }
}

export interface ScenarioContext {
  mode: Mode
  seed: number
  /** A fresh directory under os.tmpdir(), removed when the run ends. */
  tmpDir(prefix: string): Promise<string>
  progress: Progress
}
