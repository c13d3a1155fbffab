/**
 * Replays the conflicts of an evaluation run through the team model alone, answering as run.ts's teams do:
 * seconds instead of minutes, for trying a change to the model before the full run confirms it. A
 * conflict's features do not depend on the model (they are computed before it is asked), so the replay
 * differs from the full run only in which automatic resolutions the team happens to confirm.
 *   ROTA_EVAL_DUMP=/tmp/dump.jsonl npx tsx packages/resolver/eval/run.ts   (once)
 *   npx tsx packages/resolver/eval/replay.ts /tmp/dump.jsonl [--seed N]
 */
import { readFileSync } from 'node:fs'
import { learn, newTeamModel, predict } from '../src/model.ts'
import type { ConflictFeatures } from '../src/types.ts'
import { rng } from './scenarios.ts'
import { windowStats, type Outcome } from './stats.ts'

interface Dumped { team: string; index: number; decides: boolean; features: ConflictFeatures; chosen: string }

const THRESHOLD = 0.8
/** The share of agreeable automatic resolutions a team confirms anyway (run.ts: 0.2); the rest are left alone. */
const CONFIRMS = 0.2
const LEFT_ALONE_WEIGHT = 0.3

const args = process.argv.slice(2)
const file = args[0]
if (!file) throw new Error('usage: replay.ts <dump.jsonl> [--seed N]')
const seedArg = args.indexOf('--seed')
const seed = seedArg >= 0 ? Number(args[seedArg + 1]) : 7

export const replayTeam = (items: Dumped[], r = rng(seed)): Outcome[] => {
  let model = newTeamModel()
  const outcomes: Outcome[] = []
  for (const item of items) {
    const p = predict(model, item.features)
    const auto = p.trusted && p.confidence >= THRESHOLD
    const leftAlone = auto && p.optionId === item.chosen && !r.chance(CONFIRMS)
    model = learn(model, item.features, item.chosen, leftAlone ? LEFT_ALONE_WEIGHT : 1)
    outcomes.push({
      index: item.index, kind: item.features.kind, scenario: '', decides: item.decides, auto,
      suggested: p.optionId, confidence: Math.round(p.confidence * 1000) / 1000, chosen: item.chosen, lww: '', roleBased: '', latencyMs: 0,
    })
  }
  return outcomes
}

const items = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Dumped)
const byTeam = new Map<string, Dumped[]>()
for (const item of items) byTeam.set(item.team, [...(byTeam.get(item.team) ?? []), item])
const out = (line: string): void => void process.stdout.write(`${line}\n`)
out('team            acc%   0-60%  60-200%  200+%  decides%  ECE    ECE200+  firstAuto')
for (const [team, stream] of byTeam) {
  const os = replayTeam(stream.sort((a, b) => a.index - b.index))
  const all = windowStats(os)
  const w = (from: number, to: number) => windowStats(os.filter((o) => o.index >= from && o.index < to))
  const cells = [all.autoAccuracy, w(0, 60).autoShareOfWilling, w(60, 200).autoShareOfWilling, w(200, 1e9).autoShareOfWilling,
    all.actedWhereTeamDecides, all.calibrationError, w(200, 1e9).calibrationError, os.find((o) => o.auto)?.index ?? null]
  out(`${team.padEnd(14)} ${cells.map((c) => String(c ?? '–').padStart(7)).join(' ')}`)
}
