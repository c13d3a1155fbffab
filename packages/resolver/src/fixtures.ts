import type * as Y from 'yjs'
import { addShift, addStaff, setSettings } from '@rota/model'
import { DocHistory, type Detection } from './history.ts'
import { SimServer, type SimClient } from './testing.ts'

/** A small ward: three nurses, one doctor, Monday 2026-11-23 shifts. Used by tests and the evaluation. */
export const seedWard = (doc: Y.Doc): void => {
  doc.transact(() => {
    setSettings(doc, { name: 'Ward 3', timezone: 'Europe/Berlin', weekStartsOn: 'monday', coverage: [] })
    addStaff(doc, 'ana', { name: 'Ana', role: 'nurse', skills: ['iv'], maxHoursPerWeek: 40 })
    addStaff(doc, 'ben', { name: 'Ben', role: 'nurse', skills: [], maxHoursPerWeek: 40 })
    addStaff(doc, 'cy', { name: 'Cy', role: 'nurse', skills: ['iv'], maxHoursPerWeek: 40 })
    addStaff(doc, 'dov', { name: 'Dov', role: 'doctor', skills: [], maxHoursPerWeek: 40 })
    addShift(doc, 's1', { date: '2026-11-23', start: '09:00', end: '17:00', role: 'nurse' })
    addShift(doc, 's2', { date: '2026-11-23', start: '13:00', end: '21:00', role: 'nurse' })
    addShift(doc, 's3', { date: '2026-11-23', start: '17:00', end: '23:00', role: 'nurse' })
    addShift(doc, 's4', { date: '2026-11-23', start: '22:00', end: '06:00', role: 'nurse' })
    addShift(doc, 's5', { date: '2026-11-24', start: '05:00', end: '13:00', role: 'nurse' })
    addShift(doc, 's6', { date: '2026-11-24', start: '09:00', end: '17:00', role: 'nurse' })
  })
}

export interface Scene {
  server: SimServer
  seed: SimClient
  a: SimClient
  b: SimClient
  /** Runs every event so far through a fresh history and returns what it detected. */
  detect(): Detection[]
}

/** A seeded document and two editors who synced it and went offline. */
export const scene = (roles: [string, string] = ['manager', 'manager'], seed: (doc: Y.Doc) => void = seedWard): Scene => {
  const server = new SimServer()
  const admin = server.client('admin', 'admin')
  admin.connect()
  admin.edit(seed)
  const a = server.client('alice', roles[0])
  const b = server.client('bob', roles[1])
  a.connect()
  b.connect()
  a.disconnect()
  b.disconnect()
  return {
    server, seed: admin, a, b,
    detect: () => {
      const h = new DocHistory('ward/w48')
      return server.events.flatMap((e) => h.ingest(e, true))
    },
  }
}
