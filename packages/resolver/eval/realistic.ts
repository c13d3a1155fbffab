/**
 * A realistic ward schedule and a stream of small edits to it, for measuring what detection costs per
 * update (eval/burst.ts). Seeded, so every run measures the same bytes: 50 staff, 90 days, about 8 shifts
 * a day (~720), with the mess real rotas have (some skill and role mismatches, some time off, coverage rules).
 */
import * as Y from 'yjs'
import { applyOps, fromJSON, type PathOp, type ScheduleJSON, type ShiftJSON, type StaffJSON } from '@rota/model'
import { rng, type Rng } from './scenarios.ts'

interface ScheduleSize { staff: number; days: number; shiftsPerDay: number }
const realisticSize: ScheduleSize = { staff: 50, days: 90, shiftsPerDay: 8 }

const ROLES = ['nurse', 'nurse', 'nurse', 'doctor', 'porter'] as const
const SKILLS = ['triage', 'icu', 'first-aid', 'phlebotomy', 'radiology']
const TEMPLATES = [['06:00', '14:00'], ['14:00', '22:00'], ['22:00', '06:00'], ['09:00', '17:00'], ['07:30', '12:30']] as const
const START = '2026-01-05'

const dateAt = (day: number): string => new Date(Date.parse(`${START}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10)
const staffIdOf = (n: number): string => `st-${String(n).padStart(3, '0')}`

const staffOf = (r: Rng, size: ScheduleSize): StaffJSON => ({
  name: `Person ${r.int(1000)}`,
  role: r.pick(ROLES),
  skills: [...new Set([r.pick(SKILLS), r.pick(SKILLS)])],
  maxHoursPerWeek: r.pick([20, 30, 38, 40]),
  unavailable: [...new Set(Array.from({ length: r.int(5) }, () => dateAt(r.int(size.days))))].sort(),
})

const shiftOf = (r: Rng, date: string, staff: Record<string, StaffJSON>): ShiftJSON => {
  const [start, end] = r.pick(TEMPLATES)
  const role = r.pick(ROLES)
  const candidates = Object.keys(staff).filter((id) => staff[id]!.role === role && !staff[id]!.unavailable.includes(date))
  return {
    date, start, end, role,
    requiredSkill: r.chance(0.3) ? r.pick(SKILLS) : null,
    assignee: candidates.length > 0 && r.chance(0.8) ? r.pick(candidates) : null,
    notes: r.chance(0.2) ? 'handover at 7' : '',
  }
}

const realisticSchedule = (seed = 1, size: ScheduleSize = realisticSize): ScheduleJSON => {
  const r = rng(seed)
  const staff: Record<string, StaffJSON> = {}
  for (let i = 1; i <= size.staff; i++) staff[staffIdOf(i)] = staffOf(r, size)
  const shifts: Record<string, ShiftJSON> = {}
  let n = 0
  for (let day = 0; day < size.days; day++) {
    for (let i = 0; i < size.shiftsPerDay; i++) shifts[`sh-${String(++n).padStart(5, '0')}`] = shiftOf(r, dateAt(day), staff)
  }
  return {
    staff, shifts,
    settings: {
      name: 'Ward 7', timezone: 'Europe/Berlin', weekStartsOn: 'monday',
      coverage: [{ role: 'nurse', start: '06:00', end: '22:00', min: 2 }, { role: 'doctor', start: '09:00', end: '17:00', min: 1 }],
    },
  }
}

/** One small edit a scheduler makes, as model path ops. */
const editOf = (r: Rng, schedule: ScheduleJSON, size: ScheduleSize): PathOp[] => {
  const shiftIds = Object.keys(schedule.shifts)
  const shift = `shifts.${r.pick(shiftIds)}`
  const roll = r.int(100)
  if (roll < 35) return [{ op: 'set', path: `${shift}.assignee`, value: staffIdOf(1 + r.int(size.staff)) }]
  if (roll < 45) return [{ op: 'set', path: `${shift}.assignee`, value: null }]
  if (roll < 70) return [{ op: 'set', path: `${shift}.notes`, value: `note ${r.int(1000)}` }]
  if (roll < 85) {
    const [start, end] = r.pick(TEMPLATES)
    return [{ op: 'set', path: `${shift}.start`, value: start }, { op: 'set', path: `${shift}.end`, value: end }]
  }
  if (roll < 92) return [{ op: 'set', path: `${shift}.date`, value: dateAt(r.int(size.days)) }]
  if (roll < 97) return [{ op: 'append', path: `staff.${staffIdOf(1 + r.int(size.staff))}.unavailable`, value: dateAt(r.int(size.days)) }]
  return [{ op: 'set', path: `staff.${staffIdOf(1 + r.int(size.staff))}.maxHoursPerWeek`, value: r.pick([30, 38, 40]) }]
}

/** One update of a burst, in arrival order. */
export interface StreamUpdate {
  update: Uint8Array
  actor: string
  /** A sync reply: the entries its author had (index into the stream: everything up to `viewUpTo`) and its SyncStep1 vector. */
  reply?: { viewUpTo: number; sv: Uint8Array }
}

/**
 * Every update of one burst, generated ahead of time so the measurement excludes making them: the seed (the
 * whole schedule in one transaction), then small live edits of one editor, each its own transaction; with
 * `replyEvery`, a second editor who works offline sends a sync reply every that many edits.
 */
export const realisticStream = (updates: number, replyEvery = 0, seed = 1): StreamUpdate[] => {
  const r = rng(seed + 1)
  const schedule = realisticSchedule(seed)
  const seedUpdate = Y.encodeStateAsUpdate(fromJSON(schedule, new Y.Doc()))
  const out: StreamUpdate[] = [{ update: seedUpdate, actor: 'admin' }]
  const live = new Y.Doc()
  Y.applyUpdate(live, seedUpdate)
  live.on('update', (u: Uint8Array, origin: unknown) => {
    if (origin !== 'sync') out.push({ update: u, actor: 'editor' })
  })
  const away = new Y.Doc()
  Y.applyUpdate(away, seedUpdate)
  let synced = { index: 0, sv: Y.encodeStateVector(away) }
  while (out.length <= updates) {
    applyOps(live, editOf(r, schedule, realisticSize))
    if (replyEvery > 0 && out.length % replyEvery === 0) {
      // The second editor worked offline since its last sync: it sends that work (its sync reply), then is up to date.
      applyOps(away, editOf(r, schedule, realisticSize))
      out.push({ update: Y.encodeStateAsUpdate(away, Y.encodeStateVector(live)), actor: 'away', reply: { viewUpTo: synced.index, sv: synced.sv } })
      Y.applyUpdate(live, Y.encodeStateAsUpdate(away), 'sync')
      Y.applyUpdate(away, Y.encodeStateAsUpdate(live))
      synced = { index: out.length - 1, sv: Y.encodeStateVector(away) }
    }
  }
  return out.slice(0, updates + 1)
}
