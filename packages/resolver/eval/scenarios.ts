import type * as Y from 'yjs'
import { addShift, applyOps, assign, removeStaff, setSettings, unassign, updateShift, updateStaff } from '@rota/model'
import { seedWard } from '../src/fixtures.ts'
import type { ConflictKind } from '../src/types.ts'

/** A seeded pseudo-random generator (mulberry32), so every run of the evaluation is the same. */
export const rng = (seed: number) => {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n: number): number => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    chance: (p: number): boolean => next() < p,
  }
}
export type Rng = ReturnType<typeof rng>

interface EditorSpec { sub: string; role: 'manager' | 'lead' | 'staff' }

/** One offline session pair: the seed, what each editor does offline, and what the product should find. */
export interface Scenario {
  name: string
  expected: ConflictKind | null
  seed: (doc: Y.Doc) => void
  a: EditorSpec
  b: EditorSpec
  editA: (doc: Y.Doc) => void
  editB: (doc: Y.Doc) => void
  /** A syncs its edit before B (who then edits knowingly): not concurrent. */
  sequential?: boolean
  /** Facts a team may judge by: the person each editor's edit puts forward, and everyone's load. */
  person?: Record<string, string>
  load?: Record<string, number>
  overlapHours?: number
  /** For a day_too_long: hours over the day's maximum. */
  overHours?: number
}

const roster: EditorSpec[] = [
  { sub: 'mgr-1', role: 'manager' }, { sub: 'mgr-2', role: 'manager' },
  { sub: 'lead-1', role: 'lead' }, { sub: 'lead-2', role: 'lead' },
]
const nurses = ['ana', 'ben', 'cy'] as const
const MON = '2026-11-23'

const two = <T>(r: Rng, xs: readonly T[]): [T, T] => {
  const a = r.pick(xs)
  let b = r.pick(xs)
  while (b === a) b = r.pick(xs)
  return [a, b]
}

/** Extra 8-hour shifts later in the week so people carry different loads. */
const giveHours = (doc: Y.Doc, who: string, shifts: number, tag: string): void => {
  const days = ['2026-11-25', '2026-11-26', '2026-11-27']
  for (let i = 0; i < shifts; i++) {
    addShift(doc, `x-${tag}-${i}`, { date: days[i] as string, start: '06:00', end: '14:00', role: 'nurse' })
    assign(doc, `x-${tag}-${i}`, who)
  }
}

type Builder = (r: Rng, a: EditorSpec, b: EditorSpec) => Omit<Scenario, 'a' | 'b'>

const conflicts: Record<string, Builder> = {
  overwrite_assignee: (r) => {
    const [p, q] = two(r, nurses)
    const kp = r.int(3)
    let kq = r.int(3)
    if (kq === kp) kq = (kp + 1) % 3
    const shift = r.pick(['s1', 's2', 's6'])
    return {
      name: 'overwrite_assignee', expected: 'concurrent_overwrite',
      seed: (d) => { seedWard(d); giveHours(d, p, kp, 'p'); giveHours(d, q, kq, 'q') },
      editA: (d) => assign(d, shift, p), editB: (d) => assign(d, shift, q),
      person: { a: p, b: q }, load: { [p]: kp * 8, [q]: kq * 8 },
    }
  },
  overwrite_notes: (r) => {
    const shift = r.pick(['s1', 's2', 's3', 's6'])
    return {
      name: 'overwrite_notes', expected: 'concurrent_overwrite', seed: seedWard,
      editA: (d) => updateShift(d, shift, { notes: r.pick(['bring keys', 'handover at 9', 'cover the desk']) + ' (a)' }),
      editB: (d) => updateShift(d, shift, { notes: r.pick(['call pharmacy', 'new patient in 4', 'check the fridge']) + ' (b)' }),
    }
  },
  double_booking: (r) => {
    const p = r.pick(nurses)
    const night = r.chance(0.3)
    const [start, end, hours] = r.pick([['16:00', '00:00', 1], ['16:30', '00:30', 0.5], ['13:00', '21:00', 4], ['11:00', '19:00', 6]] as const)
    return {
      name: night ? 'double_booking_midnight' : 'double_booking', expected: 'double_booking', overlapHours: night ? 1 : hours,
      seed: (d) => { seedWard(d); addShift(d, 'sd', { date: MON, start, end, role: 'nurse' }) },
      editA: (d) => assign(d, night ? 's4' : 's1', p), editB: (d) => assign(d, night ? 's5' : 'sd', p),
    }
  },
  max_hours: (r) => {
    const p = r.pick(nurses)
    const k = 1 + r.int(2)
    return {
      name: 'max_hours', expected: 'max_hours_exceeded',
      seed: (d) => { seedWard(d); updateStaff(d, p, { maxHoursPerWeek: 8 * k + 12 }); giveHours(d, p, k, 'p') },
      editA: (d) => assign(d, 's1', p), editB: (d) => assign(d, 's6', p),
    }
  },
  time_off: (r) => {
    const p = r.pick(nurses)
    return {
      name: 'time_off', expected: 'time_off_violation', seed: seedWard,
      editA: (d) => applyOps(d, [{ op: 'append', path: `staff.${p}.unavailable`, value: MON }]),
      editB: (d) => assign(d, r.pick(['s1', 's2', 's3']), p),
      person: { selfService: p },
    }
  },
  skill_mismatch: (r) => {
    const p = r.pick(nurses)
    const shift = r.pick(['s1', 's2', 's6'])
    return {
      name: 'skill_mismatch', expected: 'skill_mismatch',
      seed: (d) => { seedWard(d); updateStaff(d, p, { skills: [] }) },
      editA: (d) => updateShift(d, shift, { requiredSkill: 'iv' }), editB: (d) => assign(d, shift, p),
    }
  },
  dangling: (r) => {
    const p = r.pick(nurses)
    return {
      name: 'dangling', expected: 'dangling_reference', seed: seedWard,
      editA: (d) => removeStaff(d, p), editB: (d) => assign(d, r.pick(['s1', 's2', 's6']), p),
    }
  },
  coverage: (r) => {
    const [x, y] = two(r, ['s1', 's2', 's7'])
    return {
      name: 'coverage', expected: 'coverage_shortfall',
      seed: (d) => {
        seedWard(d)
        setSettings(d, { coverage: [{ role: 'nurse', start: '13:00', end: '17:00', min: 2 }] })
        addShift(d, 's7', { date: MON, start: '12:00', end: '18:00', role: 'nurse' })
        assign(d, 's1', 'ana'); assign(d, 's2', 'ben'); assign(d, 's7', 'cy')
      },
      editA: (d) => unassign(d, x), editB: (d) => unassign(d, y),
    }
  },
}

/** The ward with working-time rules in its settings (and whatever else `more` adds). */
const ruled = (workRules: Record<string, unknown>, more?: (d: Y.Doc) => void) => (d: Y.Doc): void => {
  seedWard(d)
  setSettings(d, { workRules })
  more?.(d)
}

/** Working-time rules broken by two sessions together ([RS1] [CD1] [SL1] [DH1]), each within the rules alone. */
const workConflicts: Record<string, Builder> = {
  rest_too_short: (r) => {
    const p = r.pick(nurses)
    // A late shift then the next morning's (10 h), or a night then the morning after (3 h).
    const night = r.chance(0.4)
    return {
      name: night ? 'rest_after_night' : 'rest_too_short', expected: 'rest_too_short', seed: ruled({ minRestHours: r.pick([11, 12]) }),
      editA: (d) => assign(d, night ? 's4' : 's3', p), editB: (d) => assign(d, 's6', p),
    }
  },
  consecutive_days: (r) => {
    const p = r.pick(nurses)
    return {
      name: 'consecutive_days', expected: 'too_many_consecutive_days',
      seed: ruled({ maxConsecutiveDays: 2 }, (d) => { addShift(d, 'w3', { date: '2026-11-25', start: '09:00', end: '17:00', role: 'nurse' }); assign(d, 'w3', p) }),
      editA: (d) => assign(d, 's1', p), editB: (d) => assign(d, 's6', p),
    }
  },
  shift_too_long: (r) => {
    const shift = r.pick(['s1', 's2', 's6'])
    const [start, end] = shift === 's2' ? ['11:00', r.pick(['22:00', '23:00'])] : ['07:00', r.pick(['18:00', '19:00'])]
    return {
      name: 'shift_too_long', expected: 'shift_too_long', seed: ruled({ maxShiftHours: 10 }),
      editA: (d) => updateShift(d, shift, { start }), editB: (d) => updateShift(d, shift, { end }),
    }
  },
  day_too_long: (r) => {
    const p = r.pick(nurses)
    const max = r.pick([12, 13])
    // s1 09:00–17:00 and s3 17:00–23:00: 14 hours on Monday.
    return {
      name: 'day_too_long', expected: 'day_too_long', seed: ruled({ maxDayHours: max }), overHours: 14 - max,
      editA: (d) => assign(d, 's1', p), editB: (d) => assign(d, 's3', p),
    }
  },
}

const benign: Record<string, Builder> = {
  different_shifts: (r) => {
    const [p, q] = two(r, nurses)
    return { name: 'different_shifts', expected: null, seed: seedWard, editA: (d) => assign(d, 's1', p), editB: (d) => assign(d, 's6', q) }
  },
  different_fields: (r) => {
    const p = r.pick(nurses)
    return { name: 'different_fields', expected: null, seed: seedWard, editA: (d) => updateShift(d, 's1', { notes: 'keys at desk' }), editB: (d) => assign(d, 's1', p) }
  },
  same_value: (r) => {
    const p = r.pick(nurses)
    return { name: 'same_value', expected: null, seed: seedWard, editA: (d) => assign(d, 's2', p), editB: (d) => assign(d, 's2', p) }
  },
  back_to_back: (r) => {
    const p = r.pick(nurses)
    return { name: 'back_to_back', expected: null, seed: seedWard, editA: (d) => assign(d, 's1', p), editB: (d) => assign(d, 's3', p) }
  },
  max_exactly: (r) => {
    const p = r.pick(nurses)
    const k = 1 + r.int(2)
    return {
      name: 'max_exactly', expected: null,
      seed: (d) => { seedWard(d); updateStaff(d, p, { maxHoursPerWeek: 8 * k + 16 }); giveHours(d, p, k, 'p') },
      editA: (d) => assign(d, 's1', p), editB: (d) => assign(d, 's6', p),
    }
  },
  rest_exactly: (r) => {
    const p = r.pick(nurses)
    return { name: 'rest_exactly', expected: null, seed: ruled({ minRestHours: 10 }), editA: (d) => assign(d, 's3', p), editB: (d) => assign(d, 's6', p) }
  },
  shift_exactly: () => ({
    name: 'shift_exactly', expected: null, seed: ruled({ maxShiftHours: 12 }),
    editA: (d) => updateShift(d, 's1', { start: '07:00' }), editB: (d) => updateShift(d, 's1', { end: '19:00' }),
  }),
  sequential: (r) => {
    const p = r.pick(nurses)
    return { name: 'sequential', expected: null, sequential: true, seed: seedWard, editA: (d) => assign(d, 's1', p), editB: (d) => assign(d, 's2', p) }
  },
}

const workBenign = new Set(['rest_exactly', 'shift_exactly'])

/**
 * The next scenario: about four in five are conflicts, the rest concurrent edits that must not be flagged.
 * With `workRules`, the working-time scenarios are in the draw too (for the teams that have such rules;
 * the other teams' draws stay as they were, so their figures compare with earlier runs).
 */
export const nextScenario = (r: Rng, only?: string, workRules = false): Scenario => {
  const benignCase = r.chance(0.2)
  const conflictPool = workRules ? { ...conflicts, ...workConflicts } : conflicts
  const benignPool = Object.entries(benign).filter(([name]) => workRules || !workBenign.has(name)).map(([, b]) => b)
  const build = only ? (conflicts[only] ?? workConflicts[only] ?? benign[only] as Builder) : benignCase ? r.pick(benignPool) : r.pick(Object.values(conflictPool))
  const [a, b] = two(r, roster)
  const s = build(r, a, b)
  // Time off is self-service: the staff member records it.
  const editorA = s.person?.selfService ? { sub: `u-${s.person.selfService}`, role: 'staff' as const } : a
  return { ...s, a: editorA, b }
}
