import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import type { ScheduleJSON, ScheduleSize, ShiftJSON, StaffJSON } from './types.ts'

// Vocabulary of a hospital ward: enough variety that strings do not compress to nothing.
const FIRST_NAMES = ['Ana', 'Bruno', 'Chiara', 'Dmitri', 'Elif', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kemal', 'Lena',
  'Malik', 'Nora', 'Oskar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tamar', 'Umar', 'Vera', 'Wei', 'Ximena', 'Yusuf', 'Zofia']
const LAST_NAMES = ['Almeida', 'Berger', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Hoffmann', 'Ivanova', 'Jansen',
  'Kowalski', 'Lindqvist', 'Moreau', 'Nowak', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Vogel', 'Weber', 'Yilmaz']
export const ROLES = ['nurse', 'nurse', 'nurse', 'doctor', 'porter', 'receptionist', 'cleaner'] as const
const SKILLS = ['triage', 'pediatrics', 'icu', 'first-aid', 'phlebotomy', 'radiology', 'pharmacy', 'forklift']
export const SHIFT_TEMPLATES = [
  { start: '06:00', end: '14:00' },
  { start: '14:00', end: '22:00' },
  { start: '22:00', end: '06:00' },
  { start: '09:00', end: '17:00' },
  { start: '07:30', end: '12:30' },
]
const NOTES = ['', '', '', 'covering for a colleague', 'training day', 'swap agreed with the lead', 'on call', 'handover at 7']
const HOURS = [20, 30, 38, 40]

export const SCHEDULE_START = '2026-01-05'

/** The date `days` after `start` (both 'YYYY-MM-DD', UTC). */
export const addDays = (start: string, days: number): string =>
  new Date(Date.parse(`${start}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

const staffId = (n: number): string => `st-${String(n).padStart(3, '0')}`
const shiftId = (n: number): string => `sh-${String(n).padStart(5, '0')}`

export const randomStaff = (gen: prng.PRNG, days: number): StaffJSON => {
  const skills = new Set<string>()
  const skillCount = prng.int32(gen, 1, 3)
  while (skills.size < skillCount) skills.add(prng.oneOf(gen, SKILLS))
  const unavailable = new Set<string>()
  const offCount = Math.min(days, prng.int32(gen, 0, 6))
  while (unavailable.size < offCount) unavailable.add(addDays(SCHEDULE_START, prng.int32(gen, 0, days - 1)))
  return {
    name: `${prng.oneOf(gen, FIRST_NAMES)} ${prng.oneOf(gen, LAST_NAMES)}`,
    role: prng.oneOf(gen, [...ROLES]),
    skills: [...skills],
    maxHoursPerWeek: prng.oneOf(gen, HOURS),
    unavailable: [...unavailable].sort(),
  }
}

export const randomShift = (gen: prng.PRNG, date: string, staff: Record<string, StaffJSON>): ShiftJSON => {
  const template = prng.oneOf(gen, SHIFT_TEMPLATES)
  const role = prng.oneOf(gen, [...ROLES])
  const candidates = Object.entries(staff).filter(([, s]) => s.role === role && !s.unavailable.includes(date))
  const assignee = candidates.length > 0 && prng.int32(gen, 0, 9) < 8 ? prng.oneOf(gen, candidates)[0] : null
  return {
    date,
    start: template.start,
    end: template.end,
    role,
    requiredSkill: prng.int32(gen, 0, 2) === 0 ? prng.oneOf(gen, SKILLS) : null,
    assignee,
    notes: prng.oneOf(gen, NOTES),
  }
}

/** A realistic schedule, the same for the same seed and size. */
export const generateSchedule = (seed: number, size: ScheduleSize): ScheduleJSON => {
  const gen = prng.create(seed)
  const staff: Record<string, StaffJSON> = {}
  for (let i = 1; i <= size.staff; i++) staff[staffId(i)] = randomStaff(gen, size.days)
  const shifts: Record<string, ShiftJSON> = {}
  let n = 0
  for (let day = 0; day < size.days; day++) {
    const date = addDays(SCHEDULE_START, day)
    const count = Math.max(1, size.shiftsPerDay + prng.int32(gen, -1, 1))
    for (let i = 0; i < count; i++) shifts[shiftId(++n)] = randomShift(gen, date, staff)
  }
  return {
    staff,
    shifts,
    settings: {
      name: 'Ward 7 — winter rota',
      timezone: 'Europe/Berlin',
      weekStartsOn: 'monday',
      coverage: [
        { role: 'nurse', start: '06:00', end: '22:00', min: 3 },
        { role: 'nurse', start: '22:00', end: '06:00', min: 2 },
        { role: 'doctor', start: '08:00', end: '18:00', min: 1 },
      ],
    },
  }
}

export const staffToYMap = (staff: StaffJSON): Y.Map<unknown> => {
  const map = new Y.Map<unknown>()
  map.set('name', staff.name)
  map.set('role', staff.role)
  map.set('skills', Y.Array.from(staff.skills))
  map.set('maxHoursPerWeek', staff.maxHoursPerWeek)
  map.set('unavailable', Y.Array.from(staff.unavailable))
  return map
}

export const shiftToYMap = (shift: ShiftJSON): Y.Map<unknown> => {
  const map = new Y.Map<unknown>()
  for (const [key, value] of Object.entries(shift)) map.set(key, value)
  return map
}

/** Writes a schedule into `doc` in the public layout (root maps staff, shifts, settings), in one transaction. */
export const writeSchedule = (doc: Y.Doc, schedule: ScheduleJSON, origin: unknown = null): void => {
  doc.transact(() => {
    const staff = doc.getMap('staff')
    for (const [id, s] of Object.entries(schedule.staff)) staff.set(id, staffToYMap(s))
    const shifts = doc.getMap('shifts')
    for (const [id, s] of Object.entries(schedule.shifts)) shifts.set(id, shiftToYMap(s))
    const settings = doc.getMap('settings')
    settings.set('name', schedule.settings.name)
    settings.set('timezone', schedule.settings.timezone)
    settings.set('weekStartsOn', schedule.settings.weekStartsOn)
    settings.set('coverage', schedule.settings.coverage)
  }, origin)
}

/** The schedule held by `doc` as plain JSON (Y.Map/Y.Array → objects/arrays). */
export const readSchedule = (doc: Y.Doc): ScheduleJSON => ({
  staff: doc.getMap('staff').toJSON() as ScheduleJSON['staff'],
  shifts: doc.getMap('shifts').toJSON() as ScheduleJSON['shifts'],
  settings: doc.getMap('settings').toJSON() as ScheduleJSON['settings'],
})
