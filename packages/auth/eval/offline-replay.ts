/**
 * Replay of realistic concurrent offline sessions: how many are refused when an update is judged on the
 * server's merged state and refused whole (Rota before this release), and how many when it is judged by
 * effect on its author's view under the team's own role rules, refused changes taken out (now).
 *
 * Five teams, each a schedule of 20 people over four weeks (~110 shifts). In each round, two or three
 * editors (managers, leads, staff) of one week go offline on the same state and edit what their own view
 * (the week's open shifts and a few assigned ones: where teams actually collide)
 * (their editor's UI, same policy) allows; they then sync one after another. Teams differ: two let leads keep
 * the roster (`staffRecords: 'lead'`), one turns off staff releasing their own shifts. 120 sessions per team.
 * Judging uses the policy and effect reader the server runs (`authorizeUpdate` judges on a copy by effect).
 *
 *   npx tsx packages/auth/eval/offline-replay.ts [--seed 1]
 */
import * as Y from 'yjs'
import { applyOps, fromJSON, type PathOp, type ScheduleJSON } from '@rota/model'
import { authorizeOps, authorizeUpdate } from '../src/authorize.ts'
import { createRandom, type Random } from '../src/testing/mutate.ts'
import { defaultRoleRules, parseRoleRules, type RoleRules } from '../src/roleRules.ts'
import type { Identity } from '../src/types.ts'

const seedArg = process.argv.indexOf('--seed')
const seed = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 1

interface Team {
  name: string
  rules: RoleRules
}

const teams: Team[] = [
  { name: 'ward-a (defaults)', rules: defaultRoleRules },
  { name: 'ward-b (leads keep the roster)', rules: parseRoleRules({ staffRecords: 'lead' }) },
  { name: 'store-c (defaults)', rules: defaultRoleRules },
  { name: 'store-d (leads keep the roster)', rules: parseRoleRules({ staffRecords: 'lead' }) },
  { name: 'depot-e (no self-release)', rules: parseRoleRules({ selfService: { release: false } }) },
]

const pad = (n: number): string => String(n).padStart(2, '0')
const dateOf = (day: number): string => `2026-12-${pad(1 + day)}`
const SKILLS = ['triage', 'icu', 'forklift', 'first-aid']

const scheduleOf = (random: Random): ScheduleJSON => {
  const staff: ScheduleJSON['staff'] = {}
  for (let i = 0; i < 20; i++) {
    staff[`st${pad(i)}`] = {
      name: `Person ${i}`, role: i < 16 ? 'nurse' : 'doctor', skills: SKILLS.filter(() => random.next() < 0.3),
      maxHoursPerWeek: 40, unavailable: [],
    }
  }
  const shifts: ScheduleJSON['shifts'] = {}
  let n = 0
  for (let day = 0; day < 28; day++) {
    for (const [start, end] of [['07:00', '15:00'], ['15:00', '23:00'], ['23:00', '07:00'], ['09:00', '17:00']] as const) {
      if (random.next() < 0.0) continue
      const role = random.next() < 0.8 ? 'nurse' : 'doctor'
      const open = random.next() < 0.3
      const people = Object.keys(staff).filter((id) => staff[id]!.role === role)
      shifts[`sh${n++}`] = {
        date: dateOf(day), start, end, role, requiredSkill: random.next() < 0.15 ? random.pick(SKILLS) : null,
        assignee: open ? null : random.pick(people), notes: '',
      }
    }
  }
  return { staff, shifts, settings: { name: 'Team', timezone: 'Europe/Lisbon', weekStartsOn: 'monday', coverage: [] } }
}

type Kind = 'manager' | 'lead' | 'staff'

/** What an editor of this kind typically tries in one offline session, on shifts of one week. */
const candidates = (random: Random, kind: Kind, json: ScheduleJSON, hot: string[], self: string | undefined, team: Team): PathOp[] => {
  const inWeek = Object.entries(json.shifts).filter(([id]) => hot.includes(id))
  const people = Object.keys(json.staff)
  const shift = (): [string, ScheduleJSON['shifts'][string]] => random.pick(inWeek)
  const ops: PathOp[] = []
  const count = 1 + random.int(4)
  for (let i = 0; i < count * 3 && ops.length < count; i++) {
    const [id, s] = shift()
    const roll = random.next()
    if (kind === 'staff') {
      if (roll < 0.35 && s.assignee === null) ops.push({ op: 'set', path: `shifts.${id}.assignee`, value: self })
      else if (roll < 0.6 && s.assignee === self) ops.push({ op: 'set', path: `shifts.${id}.assignee`, value: null })
      else if (roll < 0.8 && s.assignee === self) ops.push({ op: 'set', path: `shifts.${id}.notes`, value: 'running late' })
      else if (roll >= 0.8) ops.push({ op: 'append', path: `staff.${self}.unavailable`, value: s.date })
    } else if (kind === 'lead') {
      if (roll < 0.4) ops.push({ op: 'set', path: `shifts.${id}.assignee`, value: random.pick(people) })
      else if (roll < 0.55) ops.push({ op: 'set', path: `shifts.${id}.requiredSkill`, value: random.pick(SKILLS) })
      else if (roll < 0.7) ops.push({ op: 'set', path: `shifts.${id}.notes`, value: 'cover needed' })
      else if (roll < 0.85 && team.rules.staffRecords === 'lead') ops.push({ op: 'set', path: `staff.${random.pick(people)}.name`, value: 'Renamed' })
      else if (team.rules.staffRecords === 'lead') ops.push({ op: 'delete', path: `staff.${random.pick(people)}` })
      else ops.push({ op: 'set', path: `shifts.${id}.start`, value: '08:00' })
    } else {
      if (roll < 0.4) ops.push({ op: 'set', path: `shifts.${id}.assignee`, value: random.pick(people) })
      else if (roll < 0.6) ops.push({ op: 'set', path: `shifts.${id}.requiredSkill`, value: random.pick(SKILLS) })
      else if (roll < 0.75) ops.push({ op: 'delete', path: `staff.${random.pick(people)}` })
      else if (roll < 0.9) ops.push({ op: 'set', path: `staff.${random.pick(people)}.name`, value: 'New name' })
      else ops.push({ op: 'delete', path: `shifts.${id}` })
    }
  }
  return ops
}

const identityOf = (kind: Kind, i: number, self: string | undefined): Identity => ({
  sub: `${kind}-${i}`, tenant: 'acme', role: kind, ...(self === undefined ? {} : { staffId: self }),
})

const replica = (state: Uint8Array): Y.Doc => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, state)
  return doc
}

interface Tally {
  sessions: number
  refusedBefore: number
  refusedAfter: number
}

const runTeam = (team: Team, random: Random): Tally => {
  const server = new Y.Doc()
  fromJSON(scheduleOf(random), server)
  const tally: Tally = { sessions: 0, refusedBefore: 0, refusedAfter: 0 }
  const people = Object.keys(server.getMap('staff').toJSON())
  while (tally.sessions < 120) {
    const week = random.int(4)
    const base = Y.encodeStateAsUpdate(server)
    const baseJSON = fromJSONOf(server)
    // What a week's editors work on at once: its open shifts and a few assigned ones (swaps, sickness).
    const weekShifts = Object.entries(baseJSON.shifts).filter(([, s]) => Math.floor((Number(s.date.slice(8)) - 1) / 7) === week)
    const open = weekShifts.filter(([, s]) => s.assignee === null).map(([id]) => id)
    const taken = weekShifts.filter(([, s]) => s.assignee !== null).map(([id]) => id)
    const hot = [...open.slice(0, 4), ...Array.from({ length: 4 }, () => random.pick(taken))]
    const editors = 2 + random.int(2)
    const sessions = Array.from({ length: editors }, (_, i) => {
      const kind: Kind = random.pick(['manager', 'lead', 'staff', 'staff'] as const)
      // A staff member in the week's team: often one whose shift is among the hot ones.
      const holders = hot.map((id) => baseJSON.shifts[id]?.assignee).filter((a): a is string => typeof a === 'string')
      const self = kind === 'staff' ? (holders.length > 0 && random.next() < 0.6 ? random.pick(holders) : random.pick(people)) : undefined
      const identity = identityOf(kind, i, self)
      const doc = replica(base)
      const before = Y.encodeStateVector(doc)
      // The editor's UI offers what their own view allows under the team's rules.
      for (const op of candidates(random, kind, baseJSON, hot, self, team)) {
        if (!authorizeOps(identity, doc, [op], team.rules).ok) continue
        try {
          applyOps(doc, [op])
        } catch {
          // not applicable on this state
        }
      }
      return { identity, view: doc, update: Y.encodeStateAsUpdate(doc, before) }
    })
    for (const session of sessions) {
      if (session.update.length <= 2) continue
      tally.sessions++
      // Before: judged on the merged state, under the fixed default rules, the whole update refused.
      if (!authorizeUpdate(session.identity, server, session.update, defaultRoleRules).ok) tally.refusedBefore++
      // Now: judged on the author's view, under the team's rules.
      const view = replica(base)
      if (!authorizeUpdate(session.identity, view, session.update, team.rules).ok) tally.refusedAfter++
      Y.applyUpdate(server, session.update)
    }
  }
  return tally
}

const fromJSONOf = (doc: Y.Doc): ScheduleJSON => {
  const json = { staff: doc.getMap('staff').toJSON(), shifts: doc.getMap('shifts').toJSON() } as unknown as ScheduleJSON
  return json
}

const random = createRandom(seed)
const rows = teams.map((team) => ({ team: team.name, ...runTeam(team, random) }))
const pct = (n: number, of: number): string => `${((100 * n) / of).toFixed(1)} %`
console.log(`offline replay, seed ${seed}: sessions refused (any change refused)`)
console.log('| team | sessions | before: merged state, whole update | now: author’s view, team rules |')
console.log('| --- | --- | --- | --- |')
for (const row of rows) console.log(`| ${row.team} | ${row.sessions} | ${row.refusedBefore} (${pct(row.refusedBefore, row.sessions)}) | ${row.refusedAfter} (${pct(row.refusedAfter, row.sessions)}) |`)
const total = rows.reduce((t, r) => ({ s: t.s + r.sessions, b: t.b + r.refusedBefore, a: t.a + r.refusedAfter }), { s: 0, b: 0, a: 0 })
console.log(`| all | ${total.s} | ${total.b} (${pct(total.b, total.s)}) | ${total.a} (${pct(total.a, total.s)}) |`)
