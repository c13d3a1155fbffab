/**
 * A small example team for an empty schedule, so a new user (and the screenshots) see a
 * realistic week at once: a ward with nurses, a doctor and a porter, early/late/night shifts.
 */
import type { PathOp, StaffJSON } from '@rota/model'
import { addDays } from './week.ts'

const STAFF: Record<string, StaffJSON> = {
  ana: { name: 'Ana Souza', role: 'nurse', skills: ['icu', 'triage'], maxHoursPerWeek: 40, unavailable: [] },
  ben: { name: 'Ben Okafor', role: 'nurse', skills: ['triage'], maxHoursPerWeek: 40, unavailable: [] },
  chloe: { name: 'Chloé Martin', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 40, unavailable: [] },
  dev: { name: 'Dev Patel', role: 'doctor', skills: ['icu'], maxHoursPerWeek: 48, unavailable: [] },
  eli: { name: 'Eli Novak', role: 'porter', skills: [], maxHoursPerWeek: 40, unavailable: [] },
}

/** [day offset, start, end, role, skill, assignee] */
const SHIFTS: [number, string, string, string, string | null, string | null][] = [
  [0, '07:00', '15:00', 'nurse', 'icu', 'ana'], [0, '07:00', '15:00', 'nurse', null, 'ben'], [0, '15:00', '23:00', 'nurse', null, 'chloe'], [0, '08:00', '18:00', 'doctor', null, 'dev'],
  [1, '07:00', '15:00', 'nurse', 'icu', 'ana'], [1, '07:00', '15:00', 'nurse', null, null], [1, '15:00', '23:00', 'nurse', null, 'ben'], [1, '08:00', '16:00', 'porter', null, 'eli'],
  [2, '07:00', '15:00', 'nurse', 'icu', 'chloe'], [2, '07:00', '15:00', 'nurse', null, 'ben'], [2, '23:00', '07:00', 'nurse', null, 'ana'], [2, '08:00', '18:00', 'doctor', null, 'dev'],
  [3, '07:00', '15:00', 'nurse', 'icu', 'ana'], [3, '15:00', '23:00', 'nurse', null, 'chloe'], [3, '08:00', '16:00', 'porter', null, 'eli'],
  [4, '07:00', '15:00', 'nurse', 'icu', 'ana'], [4, '07:00', '15:00', 'nurse', null, 'ben'], [4, '08:00', '18:00', 'doctor', null, 'dev'], [4, '15:00', '23:00', 'nurse', null, null],
  [5, '07:00', '19:00', 'nurse', null, 'ana'], [5, '09:00', '17:00', 'porter', null, 'eli'],
  [6, '07:00', '19:00', 'nurse', null, 'chloe'],
]

export const sampleOps = (weekStart: string): PathOp[] => [
  { op: 'set', path: 'settings.coverage', value: [{ role: 'nurse', start: '07:00', end: '15:00', min: 2 }, { role: 'doctor', start: '09:00', end: '17:00', min: 1 }] },
  ...Object.entries(STAFF).map(([id, person]): PathOp => ({ op: 'set', path: `staff.${id}`, value: person })),
  ...SHIFTS.map(([day, start, end, role, requiredSkill, assignee], i): PathOp => ({
    op: 'set',
    path: `shifts.sample-${weekStart}-${i}`,
    value: { date: addDays(weekStart, day), start, end, role, requiredSkill, assignee, notes: '' },
  })),
]
