import type { Conflict, ConflictKind, ConflictOption } from '../src/types.ts'
import type { Rng, Scenario } from './scenarios.ts'

/**
 * Simulated teams. Each has consistent preferences the product never sees, one kind it always wants to
 * decide case by case (its answers there follow things the model cannot see), and a few percent of
 * answers that contradict its own rules.
 */
export interface Team {
  name: string
  tenant: string
  describe: string
  /** The kind this team decides case by case. */
  decides: ConflictKind
  /** Whether the team's schedules have working-time rules (the working-time scenarios are in its draw). */
  workRules?: boolean
  /** The team's rule for a conflict; `index` is how many conflicts it answered before (a team may change its mind). */
  prefer(c: Conflict, s: Scenario, index: number): ConflictOption
}

const rank: Record<string, number> = { staff: 1, lead: 2, manager: 3, admin: 4 }

const keep = (c: Conflict, editorId: string): ConflictOption => {
  const o = c.options.find((x) => x.keeps.length === 1 && x.keeps[0] === editorId)
  if (!o) throw new Error(`no option keeps ${editorId} in ${c.id}`)
  return o
}
const keepAll = (c: Conflict): ConflictOption | undefined => c.options.find((o) => o.keeps.length === c.edits.length && c.edits.length > 1)
const byTime = (c: Conflict) => [...c.edits].sort((x, y) => Date.parse(x.clientTime) - Date.parse(y.clientTime))
const first = (c: Conflict): ConflictOption => keep(c, byTime(c)[0]!.editorId)
const last = (c: Conflict): ConflictOption => keep(c, byTime(c).at(-1)!.editorId)
const senior = (c: Conflict): ConflictOption => {
  const sorted = byTime(c).sort((x, y) => (rank[y.role] ?? 0) - (rank[x.role] ?? 0))
  const [top, next] = sorted
  return next && rank[top!.role] === rank[next.role] ? first(c) : keep(c, top!.editorId)
}
const isNotes = (c: Conflict): boolean => c.refs.paths.some((p) => p.endsWith('.notes'))
const latestSenior = (c: Conflict): ConflictOption => {
  const sorted = byTime(c).reverse().sort((x, y) => (rank[y.role] ?? 0) - (rank[x.role] ?? 0))
  return keep(c, sorted[0]!.editorId)
}
/** The editor whose edit puts `who` on the shift, in an assignee overwrite; else undefined. */
const editorAssigning = (c: Conflict, s: Scenario, who: string): string | undefined => {
  if (!c.refs.paths.some((p) => p.endsWith('.assignee'))) return undefined
  if (s.person?.a === who) return s.a.sub
  if (s.person?.b === who) return s.b.sub
  return undefined
}
/** When the ward's rota changes hands: the conflict after which the mind-changing team follows its new rule. */
const MIND_CHANGE_AT = 250

export const teams: Team[] = [
  {
    name: 'seniority', tenant: 'north', decides: 'coverage_shortfall',
    describe: 'keeps the more senior editor\'s edit (manager > lead > staff), the earlier one between equals',
    prefer: (c) => senior(c),
  },
  {
    name: 'under-hours', tenant: 'south', decides: 'skill_mismatch',
    describe: 'favours whoever is under their hours; keeps both notes; accepts overlaps of an hour or less; ' +
      'otherwise the latest edit; a staff member\'s own time off always stands',
    prefer: (c, s) => {
      switch (c.kind) {
        case 'concurrent_overwrite': {
          if (isNotes(c)) return keepAll(c) ?? last(c)
          const load = s.load ?? {}
          const [pa, pb] = [s.person?.a ?? '', s.person?.b ?? '']
          const lighter = (load[pa] ?? 0) <= (load[pb] ?? 0) ? s.a.sub : s.b.sub
          return keep(c, lighter)
        }
        case 'double_booking': return (s.overlapHours ?? 9) <= 1 ? (keepAll(c) ?? last(c)) : last(c)
        case 'time_off_violation': return keep(c, s.a.sub)
        case 'coverage_shortfall': return keepAll(c) ?? last(c)
        default: return last(c)
      }
    },
  },
  {
    name: 'first-writer', tenant: 'east', decides: 'max_hours_exceeded',
    describe: 'the earlier edit wins; both notes are kept',
    prefer: (c) => (isNotes(c) ? (keepAll(c) ?? first(c)) : first(c)),
  },
  // Rules on facts the model has no feature for (which editor, which person), so it can learn only part of them.
  {
    name: 'rota-owner', tenant: 'west', decides: 'double_booking',
    describe: 'mgr-2 owns the rota: their edit always wins; without them the latest edit; both notes are kept',
    prefer: (c) => {
      if (isNotes(c)) return keepAll(c) ?? last(c)
      return c.edits.some((e) => e.editorId === 'mgr-2') ? keep(c, 'mgr-2') : last(c)
    },
  },
  {
    name: 'charge-nurse', tenant: 'central', decides: 'time_off_violation',
    describe: 'Ana is the charge nurse: an edit that puts ana on the shift wins; otherwise the more senior editor, the latest between equals',
    prefer: (c, s) => {
      const forAna = editorAssigning(c, s, 'ana')
      return forAna ? keep(c, forAna) : latestSenior(c)
    },
  },
  {
    name: 'mind-changer', tenant: 'harbor', decides: 'skill_mismatch',
    describe: `the earlier edit wins; from conflict ${MIND_CHANGE_AT} on (a new ward manager) the more senior editor's, the earlier between equals`,
    prefer: (c, _s, index) => (index < MIND_CHANGE_AT ? first(c) : senior(c)),
  },
  // Working-time rules, each kind answered its own way (and unlike the team's other answers).
  {
    name: 'labour-rules', tenant: 'lakeside', decides: 'coverage_shortfall', workRules: true,
    describe: 'short rests are accepted (keep everything); a day up to an hour too long is accepted, a longer one keeps the latest edit; ' +
      'too many days in a row: the more senior editor; a shift too long: the earlier edit; both notes kept; otherwise the latest edit',
    prefer: (c, s) => {
      switch (c.kind) {
        case 'rest_too_short': return keepAll(c) ?? last(c)
        case 'day_too_long': return (s.overHours ?? 9) <= 1 ? (keepAll(c) ?? last(c)) : last(c)
        case 'too_many_consecutive_days': return senior(c)
        case 'shift_too_long': return first(c)
        default: return isNotes(c) ? (keepAll(c) ?? last(c)) : last(c)
      }
    },
  },
  // The same kinds answered the other way round: a team that enforces rest and pays long shifts as overtime.
  {
    name: 'rest-first', tenant: 'ridge', decides: 'time_off_violation', workRules: true,
    describe: 'a short rest is never accepted: the earlier edit stands; a shift too long is accepted (keep everything, paid as overtime); ' +
      'a day too long: the more senior editor; too many days in a row: the latest edit; otherwise the more senior editor',
    prefer: (c) => {
      switch (c.kind) {
        case 'rest_too_short': return first(c)
        case 'shift_too_long': return keepAll(c) ?? first(c)
        case 'day_too_long': return senior(c)
        case 'too_many_consecutive_days': return last(c)
        default: return senior(c)
      }
    },
  },
]

/** The team's actual answer: its rule, a coin it alone sees on the kind it decides, and ~3% contradictions. */
export const answer = (team: Team, c: Conflict, s: Scenario, r: Rng, noise: number, index: number): ConflictOption => {
  if (c.kind === team.decides || r.chance(noise)) return r.pick(c.options)
  return team.prefer(c, s, index)
}
