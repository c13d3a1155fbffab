/** Small schedules shared by the tests. */
import * as Y from 'yjs'
import { fromJSON } from '../json.ts'
import type { ScheduleJSON } from '../schema.ts'

export const sampleJSON = (): ScheduleJSON => ({
  staff: {
    ana: { name: 'Ana', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 40, unavailable: ['2026-12-01'] },
    ben: { name: 'Ben', role: 'nurse', skills: [], maxHoursPerWeek: 32, unavailable: [] },
  },
  shifts: {
    s1: { date: '2026-11-30', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' },
    s2: { date: '2026-11-30', start: '22:00', end: '06:00', role: 'nurse', requiredSkill: 'icu', assignee: null, notes: 'night' },
  },
  settings: {
    name: 'Ward 3',
    timezone: 'Europe/Lisbon',
    weekStartsOn: 'monday',
    coverage: [{ role: 'nurse', start: '07:00', end: '15:00', min: 1 }],
  },
})

export const sampleDoc = (): Y.Doc => fromJSON(sampleJSON())

/** Captures the updates a doc emits, to check "changes nothing" and origins. */
export const recordUpdates = (doc: Y.Doc): Array<{ update: Uint8Array; origin: unknown }> => {
  const seen: Array<{ update: Uint8Array; origin: unknown }> = []
  doc.on('update', (update: Uint8Array, origin: unknown) => seen.push({ update, origin }))
  return seen
}
