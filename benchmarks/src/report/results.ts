import type { CaseResult, Mode } from '../scenarios/types.ts'
import type { MachineInfo } from './machine.ts'

/** Everything a run produced, as written to results.json. */
export interface BenchResults {
  mode: Mode
  seed: number
  date: string
  durationSeconds: number
  machine: MachineInfo
  versions: Record<string, string>
  durability: Record<string, string>
  cases: CaseResult[]
  /** Output of the log benchmark section (benchmarks/src/log/run.ts), when it ran. */
  logSection?: { ok: boolean; output: string }
}

/** Rota's figure over the peer's for one metric (below 1 is better when lower is better). */
export const ratio = (rota: number | undefined, peer: number | undefined): number | undefined =>
  rota === undefined || peer === undefined || !Number.isFinite(rota) || !Number.isFinite(peer) || peer === 0 ? undefined : rota / peer
