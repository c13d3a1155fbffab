/**
 * fast-check generators for path ops over a small id pool (so ops collide: same records, assignments
 * to people who may have been removed…). Most generated ops are valid; some are not, on purpose.
 */
import fc from 'fast-check'
import type { PathOp } from '../ops.ts'
import { WEEKDAYS } from '../schema.ts'

const STAFF_IDS = ['ana', 'ben', 'cy'] as const
const SHIFT_IDS = ['s1', 's2', 's3'] as const

const pad = (n: number): string => String(n).padStart(2, '0')
export const dateArb = fc.record({ month: fc.integer({ min: 11, max: 12 }), day: fc.integer({ min: 1, max: 30 }) }).map(({ month, day }) => `2026-${pad(month)}-${pad(day)}`)
export const timeArb = fc.record({ h: fc.integer({ min: 0, max: 23 }), m: fc.constantFrom(0, 15, 30, 45) }).map(({ h, m }) => `${pad(h)}:${pad(m)}`)
const labelArb = fc.constantFrom('nurse', 'doctor', 'porter', 'icu', 'er', 'peds')
const textArb = fc.string({ maxLength: 6 })
const staffIdArb = fc.constantFrom(...STAFF_IDS)
const shiftIdArb = fc.constantFrom(...SHIFT_IDS)

const staffRecordArb = fc.record(
  {
    name: fc.constantFrom('Ana', 'Ben', 'Cy', 'Dee'),
    role: labelArb,
    skills: fc.array(labelArb, { maxLength: 3 }),
    maxHoursPerWeek: fc.integer({ min: 0, max: 60 }),
    unavailable: fc.array(dateArb, { maxLength: 3 }),
  },
  { requiredKeys: ['name', 'role'] },
)

const shiftRecordArb = fc.record(
  {
    date: dateArb,
    start: timeArb,
    end: timeArb,
    role: labelArb,
    requiredSkill: fc.option(labelArb, { nil: null }),
    assignee: fc.option(staffIdArb, { nil: null }),
    notes: textArb,
  },
  { requiredKeys: ['date', 'start', 'end', 'role'] },
)

const ruleArb = fc.record({ role: labelArb, start: timeArb, end: timeArb, min: fc.integer({ min: 0, max: 3 }) })

const staffFieldOp = fc.oneof(
  fc.record({ id: staffIdArb, value: fc.constantFrom('Ana', 'Zed') }).map(({ id, value }) => set(`staff.${id}.name`, value)),
  fc.record({ id: staffIdArb, value: labelArb }).map(({ id, value }) => set(`staff.${id}.role`, value)),
  fc.record({ id: staffIdArb, value: fc.integer({ min: 0, max: 60 }) }).map(({ id, value }) => set(`staff.${id}.maxHoursPerWeek`, value)),
  fc.record({ id: staffIdArb, value: fc.array(labelArb, { maxLength: 3 }) }).map(({ id, value }) => set(`staff.${id}.skills`, value)),
  fc.record({ id: staffIdArb, value: fc.array(dateArb, { maxLength: 2 }) }).map(({ id, value }) => set(`staff.${id}.unavailable`, value)),
  fc.record({ id: staffIdArb, value: labelArb }).map(({ id, value }): PathOp => ({ op: 'append', path: `staff.${id}.skills`, value })),
  fc.record({ id: staffIdArb, value: dateArb }).map(({ id, value }): PathOp => ({ op: 'append', path: `staff.${id}.unavailable`, value })),
  fc.record({ id: staffIdArb, value: labelArb }).map(({ id, value }): PathOp => ({ op: 'delete', path: `staff.${id}.skills`, value })),
  fc.record({ id: staffIdArb, value: dateArb }).map(({ id, value }): PathOp => ({ op: 'delete', path: `staff.${id}.unavailable`, value })),
  staffIdArb.map((id): PathOp => ({ op: 'delete', path: `staff.${id}.skills` })),
)

const shiftFieldOp = fc.oneof(
  fc.record({ id: shiftIdArb, value: dateArb }).map(({ id, value }) => set(`shifts.${id}.date`, value)),
  fc.record({ id: shiftIdArb, field: fc.constantFrom('start', 'end'), value: timeArb }).map(({ id, field, value }) => set(`shifts.${id}.${field}`, value)),
  fc.record({ id: shiftIdArb, value: labelArb }).map(({ id, value }) => set(`shifts.${id}.role`, value)),
  fc.record({ id: shiftIdArb, value: fc.option(labelArb, { nil: null }) }).map(({ id, value }) => set(`shifts.${id}.requiredSkill`, value)),
  fc.record({ id: shiftIdArb, value: fc.option(staffIdArb, { nil: null }) }).map(({ id, value }) => set(`shifts.${id}.assignee`, value)),
  fc.record({ id: shiftIdArb, value: textArb }).map(({ id, value }) => set(`shifts.${id}.notes`, value)),
  fc.record({ id: shiftIdArb, field: fc.constantFrom('assignee', 'requiredSkill') }).map(({ id, field }): PathOp => ({ op: 'delete', path: `shifts.${id}.${field}` })),
)

const settingsOp = fc.oneof(
  fc.record({ name: textArb, timezone: fc.constantFrom('UTC', 'Europe/Lisbon'), weekStartsOn: fc.constantFrom(...WEEKDAYS), coverage: fc.array(ruleArb, { maxLength: 2 }) }, { requiredKeys: [] }).map((value) => set('settings', value)),
  fc.constantFrom(...WEEKDAYS).map((value) => set('settings.weekStartsOn', value)),
  textArb.map((value) => set('settings.name', value)),
  fc.array(ruleArb, { maxLength: 2 }).map((value) => set('settings.coverage', value)),
  ruleArb.map((value): PathOp => ({ op: 'append', path: 'settings.coverage', value })),
)

function set(path: string, value: unknown): PathOp {
  return { op: 'set', path, value }
}

/** One path op; weighted towards record creation so the pool fills up. */
const opArb: fc.Arbitrary<PathOp> = fc.oneof(
  { arbitrary: fc.record({ id: staffIdArb, value: staffRecordArb }).map(({ id, value }) => set(`staff.${id}`, value)), weight: 4 },
  { arbitrary: fc.record({ id: shiftIdArb, value: shiftRecordArb }).map(({ id, value }) => set(`shifts.${id}`, value)), weight: 4 },
  { arbitrary: staffFieldOp, weight: 4 },
  { arbitrary: shiftFieldOp, weight: 4 },
  { arbitrary: settingsOp, weight: 1 },
  { arbitrary: staffIdArb.map((id): PathOp => ({ op: 'delete', path: `staff.${id}` })), weight: 1 },
  { arbitrary: shiftIdArb.map((id): PathOp => ({ op: 'delete', path: `shifts.${id}` })), weight: 1 },
)

export const batchArb = fc.array(opArb, { minLength: 1, maxLength: 3 })

/**
 * fast-check options: bounded runs (ROTA_FC_RUNS overrides, for a longer soak); a failure prints its
 * seed and path, and ROTA_FC_SEED / ROTA_FC_PATH replay it.
 */
export const fcOptions = (numRuns: number): fc.Parameters<unknown> => {
  const { ROTA_FC_SEED: seed, ROTA_FC_PATH: path, ROTA_FC_RUNS: runs } = process.env
  return { numRuns: runs ? Number(runs) : numRuns, ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) }
}
