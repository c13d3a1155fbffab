/**
 * Random edit histories for the property tests: a few editors edit a small schedule (ids collide, weeks
 * have a boundary in the middle, shifts cross midnight), online and offline, with model ops and with raw
 * Yjs writes a foreign or half-synced client could make (records missing fields, values of the wrong type).
 * Played through SimServer, so every update is the exact bytes a y-websocket client sends.
 */
import fc from 'fast-check'
import * as Y from 'yjs'
import { applyOps, type PathOp } from '@rota/model'
import { SimServer, type SimClient } from './testing.ts'

const STAFF = ['ana', 'ben', 'cy'] as const
const SHIFTS = ['s1', 's2', 's3', 's4'] as const
// Sunday 2026-11-29 and Monday 2026-11-30: a week boundary for weeks starting on Monday.
const DATES = ['2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01'] as const
const TIMES = ['06:00', '14:00', '22:00', '00:00', '09:30'] as const
const ROLES = ['nurse', 'doctor'] as const

const staffId = fc.constantFrom(...STAFF)
const shiftId = fc.constantFrom(...SHIFTS)
const date = fc.constantFrom(...DATES)
const time = fc.constantFrom(...TIMES)
const role = fc.constantFrom(...ROLES)

const shiftRecord = fc.record({
  date, start: time, end: time, role,
  assignee: fc.option(staffId, { nil: null }),
  requiredSkill: fc.option(fc.constantFrom('iv', 'icu'), { nil: null }),
})
const staffRecord = fc.record({
  name: fc.constantFrom('Ana', 'Ben'), role,
  skills: fc.subarray(['iv', 'icu']),
  maxHoursPerWeek: fc.constantFrom(8, 16, 40),
  unavailable: fc.subarray([...DATES], { maxLength: 1 }),
})
const limit = <T>(values: T[]) => fc.option(fc.constantFrom(...values), { nil: undefined })
const workRules = fc.record({
  minRestHours: limit([0, 8, 11, 16]), maxConsecutiveDays: limit([1, 2, 3]), maxShiftHours: limit([8, 12]), maxDayHours: limit([8, 10, 16]),
  roles: fc.option(fc.record({ doctor: fc.record({ minRestHours: limit([null, 4]), maxShiftHours: limit([null, 24]) }, { requiredKeys: [] }) }, { requiredKeys: [] }), { nil: undefined }),
}, { requiredKeys: [] }).map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>)
const coverage = fc.array(fc.record({ role, start: time, end: time, min: fc.integer({ min: 1, max: 2 }) }), { maxLength: 2 })

const op: fc.Arbitrary<PathOp> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), path: shiftId.map((id) => `shifts.${id}`), value: shiftRecord }),
  fc.tuple(shiftId, fc.option(staffId, { nil: null })).map(([id, who]) => ({ op: 'set' as const, path: `shifts.${id}.assignee`, value: who })),
  fc.tuple(shiftId, date).map(([id, d]) => ({ op: 'set' as const, path: `shifts.${id}.date`, value: d })),
  fc.tuple(shiftId, fc.constantFrom('start', 'end'), time).map(([id, f, t]) => ({ op: 'set' as const, path: `shifts.${id}.${f}`, value: t })),
  fc.tuple(shiftId, role).map(([id, r]) => ({ op: 'set' as const, path: `shifts.${id}.role`, value: r })),
  fc.tuple(shiftId, fc.constantFrom('a', 'b')).map(([id, n]) => ({ op: 'set' as const, path: `shifts.${id}.notes`, value: n })),
  shiftId.map((id) => ({ op: 'delete' as const, path: `shifts.${id}` })),
  fc.record({ op: fc.constant('set' as const), path: staffId.map((id) => `staff.${id}`), value: staffRecord }),
  fc.tuple(staffId, fc.constantFrom(8, 16, 40)).map(([id, h]) => ({ op: 'set' as const, path: `staff.${id}.maxHoursPerWeek`, value: h })),
  fc.tuple(staffId, role).map(([id, r]) => ({ op: 'set' as const, path: `staff.${id}.role`, value: r })),
  fc.tuple(staffId, date).map(([id, d]) => ({ op: 'append' as const, path: `staff.${id}.unavailable`, value: d })),
  staffId.map((id) => ({ op: 'delete' as const, path: `staff.${id}` })),
  fc.constantFrom('monday', 'sunday').map((w) => ({ op: 'set' as const, path: 'settings.weekStartsOn', value: w })),
  coverage.map((c) => ({ op: 'set' as const, path: 'settings.coverage', value: c })),
  workRules.map((w) => ({ op: 'set' as const, path: 'settings.workRules', value: w })),
)

/** Writes no validator sees: what a foreign client, or one whose record arrived without all its fields, leaves. */
type RawWrite =
  | { kind: 'partialShift'; id: string; fields: Record<string, unknown> }
  | { kind: 'badField'; id: string; field: string; value: unknown }
  | { kind: 'notARecord'; id: string }
  | { kind: 'badRules'; value: unknown }

const raw: fc.Arbitrary<RawWrite> = fc.oneof(
  fc.record({ kind: fc.constant('partialShift' as const), id: shiftId, fields: fc.record({ date, start: fc.constantFrom('7:00', '06:00'), assignee: fc.constantFrom('ana', 42) }, { requiredKeys: [] }) }),
  fc.record({ kind: fc.constant('badField' as const), id: shiftId, field: fc.constantFrom('date', 'start', 'assignee', 'role'), value: fc.constantFrom(5, '', null, 'x', { a: 1 }) }),
  fc.record({ kind: fc.constant('notARecord' as const), id: shiftId }),
  // Work rules a foreign writer got partly wrong: the valid limits still count.
  fc.record({ kind: fc.constant('badRules' as const), value: fc.constantFrom('x', { maxShiftHours: 'x', minRestHours: 8, roles: 5 }, { maxDayHours: 30, maxConsecutiveDays: 1, roles: { nurse: { maxConsecutiveDays: null, minRestHours: -1 } } }) }),
)

export type Command =
  | { kind: 'edit'; client: number; ops: PathOp[] }
  | { kind: 'raw'; client: number; write: RawWrite }
  | { kind: 'connect' | 'disconnect'; client: number }

const client = fc.integer({ min: 0, max: 2 })
export const commands: fc.Arbitrary<Command[]> = fc.array(fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('edit' as const), client, ops: fc.array(op, { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), client, write: raw }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('connect' as const, 'disconnect' as const), client }) },
), { maxLength: 30 })

const applyRaw = (doc: Y.Doc, write: RawWrite): void => {
  const shifts = doc.getMap('shifts')
  doc.transact(() => {
    if (write.kind === 'partialShift') shifts.set(write.id, new Y.Map(Object.entries(write.fields)))
    else if (write.kind === 'notARecord') shifts.set(write.id, 'not a record')
    else if (write.kind === 'badRules') doc.getMap('settings').set('workRules', write.value)
    else {
      const rec = shifts.get(write.id)
      if (rec instanceof Y.Map) rec.set(write.field, write.value)
    }
  })
}

/** A seeded schedule, then the commands, then everyone reconnects: the server's events in order. */
export const play = (cmds: Command[]): SimServer => {
  const server = new SimServer()
  const admin = server.client('admin', 'admin')
  admin.connect()
  admin.edit((d) => applyOps(d, [
    { op: 'set', path: 'settings.coverage', value: [{ role: 'nurse', start: '06:00', end: '14:00', min: 1 }] },
    { op: 'set', path: 'settings.workRules', value: { minRestHours: 16, maxConsecutiveDays: 1, maxShiftHours: 14, maxDayHours: 12, roles: { doctor: { minRestHours: null } } } },
    ...STAFF.map((id): PathOp => ({ op: 'set', path: `staff.${id}`, value: { name: id, role: 'nurse', maxHoursPerWeek: 16 } })),
    ...SHIFTS.map((id, i): PathOp => ({ op: 'set', path: `shifts.${id}`, value: { date: DATES[i % DATES.length], start: TIMES[i % TIMES.length], end: '14:00', role: 'nurse', assignee: STAFF[i % STAFF.length] } })),
  ]))
  const editors: SimClient[] = ['alice', 'bob', 'cleo'].map((name) => server.client(name, 'manager'))
  // Everyone synced the seed and went offline: edits pile up until a connect sends them as a sync reply.
  for (const e of editors) e.connect()
  for (const e of editors) e.disconnect()
  for (const c of cmds) {
    const editor = editors[c.client] as SimClient
    if (c.kind === 'connect') {
      if (!editor.online) editor.connect()
    } else if (c.kind === 'disconnect') {
      editor.disconnect()
    } else {
      const ops = c.kind === 'edit' ? c.ops : []
      const write = c.kind === 'raw' ? c.write : undefined
      editor.edit((d) => {
        if (write) applyRaw(d, write)
        else {
          try {
            applyOps(d, ops)
          } catch {
            // An op the model refuses (an assignment to someone removed meanwhile) changes nothing.
          }
        }
      })
      // Online editors hear about each other's edits through the server, as a broadcast would bring them.
      if (editor.online) for (const other of editors) if (other !== editor && other.online) Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(editor.doc), other)
    }
  }
  for (const e of editors) if (!e.online) e.connect()
  return server
}
