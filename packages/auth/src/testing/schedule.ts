import * as Y from 'yjs'
import { fromJSON, type ScheduleJSON } from '@rota/model'

/** The ward the policy and end-to-end tests share: three people, six shifts. */
export const wardJSON = (): ScheduleJSON => ({
  staff: {
    ana: { name: 'Ana', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 40, unavailable: ['2026-12-01'] },
    ben: { name: 'Ben', role: 'nurse', skills: [], maxHoursPerWeek: 32, unavailable: [] },
    cara: { name: 'Cara', role: 'doctor', skills: [], maxHoursPerWeek: 40, unavailable: [] },
  },
  shifts: {
    open: { date: '2026-12-07', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' },
    bens: { date: '2026-12-07', start: '15:00', end: '23:00', role: 'nurse', requiredSkill: null, assignee: 'ben', notes: '' },
    anas: { date: '2026-12-08', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' },
    doctors: { date: '2026-12-08', start: '07:00', end: '19:00', role: 'doctor', requiredSkill: null, assignee: null, notes: '' },
    icu: { date: '2026-12-09', start: '22:00', end: '06:00', role: 'nurse', requiredSkill: 'icu', assignee: null, notes: '' },
    peds: { date: '2026-12-09', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: 'peds', assignee: null, notes: '' },
  },
  settings: { name: 'Ward 3', timezone: 'Europe/Lisbon', weekStartsOn: 'monday', coverage: [{ role: 'nurse', start: '07:00', end: '15:00', min: 1 }] },
})

export const wardDoc = (): Y.Doc => fromJSON(wardJSON())

/** A replica of `doc` (a client that has synced), with the ids of `doc`'s history. */
export const replicaOf = (doc: Y.Doc): Y.Doc => {
  const replica = new Y.Doc()
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
  return replica
}

/** The one update a client sends for `edit` made on a synced replica of `doc` (all in one transaction). */
export const editOf = (doc: Y.Doc, edit: (replica: Y.Doc) => void): Uint8Array => {
  const replica = replicaOf(doc)
  const before = Y.encodeStateVector(replica)
  replica.transact(() => edit(replica))
  return Y.encodeStateAsUpdate(replica, before)
}

export const shiftMap = (doc: Y.Doc, id: string): Y.Map<unknown> => doc.getMap('shifts').get(id) as Y.Map<unknown>
export const staffMap = (doc: Y.Doc, id: string): Y.Map<unknown> => doc.getMap('staff').get(id) as Y.Map<unknown>
