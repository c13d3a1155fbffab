/** What the evaluation reports of a run of answered conflicts, per team: shared by run.ts and replay.ts. */
import type { ConflictKind } from '../src/types.ts'

export interface Outcome {
  index: number
  kind: ConflictKind
  scenario: string
  decides: boolean
  auto: boolean
  suggested: string
  confidence: number
  chosen: string
  lww: string
  roleBased: string
  latencyMs: number
}

export const pct = (n: number, d: number): number | null => (d === 0 ? null : Math.round((1000 * n) / d) / 10)

const ece = (os: Outcome[]): number | null => {
  if (os.length === 0) return null
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, hit: 0 }))
  for (const o of os) {
    const bin = bins[Math.min(9, Math.floor(o.confidence * 10))]!
    bin.n++
    bin.conf += o.confidence
    bin.hit += o.suggested === o.chosen ? 1 : 0
  }
  return Math.round(1000 * bins.reduce((s, b) => s + (b.n === 0 ? 0 : (b.n / os.length) * Math.abs(b.conf / b.n - b.hit / b.n)), 0)) / 1000
}

export const windowStats = (os: Outcome[]) => {
  const auto = os.filter((o) => o.auto)
  const willing = os.filter((o) => !o.decides)
  const decides = os.filter((o) => o.decides)
  return {
    conflicts: os.length,
    autoApplied: auto.length,
    autoAccuracy: pct(auto.filter((o) => o.suggested === o.chosen).length, auto.length),
    autoShareOfWilling: pct(willing.filter((o) => o.auto).length, willing.length),
    actedWhereTeamDecides: pct(decides.filter((o) => o.auto).length, decides.length),
    decideConflicts: decides.length,
    suggestionAccuracy: pct(os.filter((o) => o.suggested === o.chosen).length, os.length),
    calibrationError: ece(os),
    baselineLwwAccuracy: pct(os.filter((o) => o.lww === o.chosen).length, os.length),
    baselineRoleAccuracy: pct(os.filter((o) => o.roleBased === o.chosen).length, os.length),
  }
}

