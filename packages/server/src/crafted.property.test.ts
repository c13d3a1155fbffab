/**
 * Crafted updates, tested by effect, not by parsing: for random and adversarially hand-built updates from
 * each role — structs of every content type placed after a key's current value, under records, in
 * foreign roots; deletions of random ranges; genuine edits — the server's admission (the core guards, then
 * the update applied and its refused changes taken out, admit.ts) must leave the JSON projection changed
 * only where that role may change it. The oracle below restates the role rules over JSON, independently of
 * the policy's code. ROTA_CRAFTED_RUNS sets the cases per role (CI: 10,000).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { createAuth, guardUpdate, isNoopUpdate, unjudgeable, type Identity } from '@rota/auth'
import { applyOps, fromJSON, toJSON, type PathOp, type ScheduleJSON } from '@rota/model'
import { takeOutRefused } from './admit.ts'
import { resolveHooks } from './hooks.ts'
import { startTestServer } from './testing.ts'

const runs = Number(process.env.ROTA_CRAFTED_RUNS ?? 10_000)

const ward = (): ScheduleJSON => ({
  staff: {
    ana: { name: 'Ana', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 40, unavailable: ['2026-12-01'] },
    ben: { name: 'Ben', role: 'nurse', skills: [], maxHoursPerWeek: 32, unavailable: [] },
  },
  shifts: {
    open: { date: '2026-12-07', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' },
    bens: { date: '2026-12-07', start: '15:00', end: '23:00', role: 'nurse', requiredSkill: null, assignee: 'ben', notes: 'b' },
    anas: { date: '2026-12-08', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' },
    icu: { date: '2026-12-09', start: '22:00', end: '06:00', role: 'nurse', requiredSkill: 'icu', assignee: null, notes: '' },
    peds: { date: '2026-12-09', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: 'peds', assignee: null, notes: '' },
  },
  settings: { name: 'Ward 3', timezone: 'Europe/Lisbon', weekStartsOn: 'monday', coverage: [] },
})

const base = fromJSON(ward())
const baseState = Y.encodeStateAsUpdate(base)
const hooks = resolveHooks(createAuth({ secret: 'crafted-property-secret-crafted-property-0' }))

// ------------------------------------------------------------------------------------------------
// The oracle: which JSON leaves may a role change, read from the states before and after.

type Flat = Map<string, string>

const flatten = (value: unknown, prefix: string, out: Flat): Flat => {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out)
    if (Object.keys(value).length === 0) out.set(prefix, '{}')
  } else {
    out.set(prefix, JSON.stringify(value))
  }
  return out
}

/** Every root's raw JSON (foreign roots too), so structure outside the schema counts as a change. */
const rawJSON = (doc: Y.Doc): Record<string, unknown> => Object.fromEntries([...doc.share.keys()].map((name) => [name, doc.getMap(name).toJSON()]))

const changedLeaves = (before: Y.Doc, after: Y.Doc): string[] => {
  const a = flatten({ schedule: toJSON(before), raw: rawJSON(before) }, '', new Map())
  const b = flatten({ schedule: toJSON(after), raw: rawJSON(after) }, '', new Map())
  return [...new Set([...a.keys(), ...b.keys()])].filter((key) => a.get(key) !== b.get(key))
}

const schemaFields = new Set(['name', 'role', 'skills', 'maxHoursPerWeek', 'unavailable', 'date', 'start', 'end', 'requiredSkill', 'assignee', 'notes', 'timezone', 'weekStartsOn', 'coverage'])

/** `leaf` is `schedule.<path>` (the model's JSON) or `raw.<root>.<…>` (every root as Yjs holds it). */
const mayChange = (role: Identity['role'], before: ScheduleJSON, after: ScheduleJSON, leaf: string): boolean => {
  if (role === 'manager' || role === 'admin') return true
  if (role === 'viewer') return false
  const [view, root, id, field, ...deeper] = leaf.split('.') as [string, string, string?, string?, ...string[]]
  // Raw structure is judged as the schedule path it stands for; anything the schema has no path for is not theirs.
  // A lead may create and remove shift records, well-formed or not (schema validity is the model's concern).
  if (view === 'raw' && role === 'lead' && root === 'shifts' && field === undefined) return true
  if (view === 'raw' && (!['staff', 'shifts'].includes(root) || field === undefined || !schemaFields.has(field) || deeper.length > 0)) return false
  if (role === 'lead') return root === 'shifts' || (root === 'staff' && field === 'unavailable')
  // staff, self = ana
  if (root === 'staff') {
    if (id !== 'ana' || field !== 'unavailable') return false
    const was = before.staff.ana?.unavailable ?? []
    return was.every((day) => after.staff.ana?.unavailable.includes(day))
  }
  if (root !== 'shifts' || id === undefined) return false
  const was = before.shifts[id]
  const now = after.shifts[id]
  if (was === undefined || now === undefined) return false
  if (field === 'assignee') {
    const qualified = was.role === before.staff.ana?.role && (was.requiredSkill === null || before.staff.ana.skills.includes(was.requiredSkill))
    return (was.assignee === null && now.assignee === 'ana' && qualified) || (was.assignee === 'ana' && now.assignee === null)
  }
  if (field === 'notes') {
    const couldHold = was.assignee === null && was.role === before.staff.ana?.role && (was.requiredSkill === null || before.staff.ana.skills.includes(was.requiredSkill))
    return was.assignee === 'ana' || now.assignee === 'ana' || couldHold
  }
  return false
}

// ------------------------------------------------------------------------------------------------
// Updates: genuine edits and hand-built structs.

type Content = 'any' | 'deleted' | 'string' | 'format' | 'binary' | 'embed' | 'json' | 'map' | 'array'

const contentOf = (kind: Content, value: string): Y.Item['content'] => {
  switch (kind) {
    case 'any':
      return new Y.ContentAny([value])
    case 'deleted':
      return new Y.ContentDeleted(1)
    case 'string':
      return new Y.ContentString(value)
    case 'format':
      return new Y.ContentFormat('bold', value)
    case 'binary':
      return new Y.ContentBinary(new TextEncoder().encode(value))
    case 'embed':
      return new Y.ContentEmbed({ value })
    case 'json':
      return new Y.ContentJSON([value])
    case 'map':
      return new Y.ContentType(new Y.Map())
    case 'array':
      return new Y.ContentType(new Y.Array())
  }
}

/** One hand-built item: after a key's current value (origin), or under a parent item or root by key. */
interface Crafted {
  placement: 'after-value' | 'under-parent' | 'root'
  collection: 'staff' | 'shifts' | 'settings'
  id: string
  field: string
  content: Content
  value: string
}

const encodeItem = (client: number, crafted: Crafted): Uint8Array => {
  const encoder = new Y.UpdateEncoderV1()
  encoding.writeVarUint(encoder.restEncoder, 1)
  encoding.writeVarUint(encoder.restEncoder, 1)
  encoder.writeClient(client)
  encoding.writeVarUint(encoder.restEncoder, 0)
  const root = base.getMap(crafted.collection)
  const record = crafted.collection === 'settings' ? root : (root.get(crafted.id) as Y.Map<unknown> | undefined)
  const current = (record as unknown as { _map: Map<string, Y.Item> } | undefined)?._map.get(crafted.field)
  let origin: Y.ID | null = null
  let parent: string | Y.ID | null = null
  let parentSub: string | null = null
  if (crafted.placement === 'after-value' && current !== undefined) origin = Y.createID(current.id.client, current.id.clock + current.length - 1)
  else if (crafted.placement === 'under-parent' && record?._item) [parent, parentSub] = [record._item.id, crafted.field]
  else [parent, parentSub] = [crafted.collection, crafted.field]
  new Y.Item(Y.createID(client, 0), null, origin, null, null, parent as never, parentSub, contentOf(crafted.content, crafted.value)).write(encoder, 0)
  encoding.writeVarUint(encoder.restEncoder, 0)
  return encoder.toUint8Array()
}

const deletionOf = (pick: number, len: number): Uint8Array => {
  const [[client, clock]] = [...Y.decodeStateVector(Y.encodeStateVector(base))] as [[number, number]]
  const from = pick % clock
  const encoder = new Y.UpdateEncoderV1()
  encoding.writeVarUint(encoder.restEncoder, 0)
  encoding.writeVarUint(encoder.restEncoder, 1)
  encoder.resetDsCurVal()
  encoding.writeVarUint(encoder.restEncoder, client)
  encoding.writeVarUint(encoder.restEncoder, 1)
  encoder.writeDsClock(from)
  encoder.writeDsLen(Math.min(len, clock - from))
  return encoder.toUint8Array()
}

const genuineOf = (ops: PathOp[]): Uint8Array => {
  const replica = new Y.Doc()
  Y.applyUpdate(replica, baseState)
  const sv = Y.encodeStateVector(replica)
  for (const op of ops) {
    try {
      applyOps(replica, [op])
    } catch {
      // invalid here: skipped, as a client would
    }
  }
  return Y.encodeStateAsUpdate(replica, sv)
}

const field = fc.constantFrom('assignee', 'notes', 'requiredSkill', 'start', 'name', 'role', 'skills', 'unavailable', 'maxHoursPerWeek', 'timezone', 'coverage', 'evil')
const craftedArb: fc.Arbitrary<Crafted> = fc.record({
  placement: fc.constantFrom('after-value', 'under-parent', 'root'),
  collection: fc.constantFrom('staff', 'shifts', 'settings'),
  id: fc.constantFrom('ana', 'ben', 'open', 'bens', 'anas', 'icu', 'peds'),
  field,
  content: fc.constantFrom<Content>('any', 'deleted', 'string', 'format', 'binary', 'embed', 'json', 'map', 'array'),
  value: fc.constantFrom('ana', 'ben', 'x', '', 'icu'),
})
const opArb: fc.Arbitrary<PathOp> = fc.record({
  op: fc.constantFrom<PathOp['op']>('set', 'delete', 'append'),
  path: fc.constantFrom(
    'shifts.open.assignee', 'shifts.bens.assignee', 'shifts.anas.assignee', 'shifts.icu.assignee', 'shifts.peds.assignee',
    'shifts.bens.notes', 'shifts.anas.notes', 'shifts.open.notes', 'shifts.open.requiredSkill', 'shifts.bens',
    'staff.ben.name', 'staff.ana.unavailable', 'staff.ben.unavailable', 'staff.ana.skills', 'staff.ben', 'settings.name', 'settings',
  ),
  value: fc.constantFrom<unknown>('ana', 'ben', null, 'x', '2026-12-24', ['icu'], { name: 'N', role: 'nurse' }),
})
const updateArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 2 ** 30 }), craftedArb).map(([client, crafted]) => encodeItem(client, crafted)),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 8 })).map(([pick, len]) => deletionOf(pick, len)),
  fc.array(opArb, { minLength: 1, maxLength: 4 }).map(genuineOf),
)

/** What the server's core does with an update from `identity` (rooms.ts submit, WebSocket path). */
const admit = (identity: Identity, update: Uint8Array): Y.Doc => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, baseState)
  if (guardUpdate(doc, update) !== undefined) return doc
  if (isNoopUpdate(doc, update)) return doc
  if (identity.role === 'viewer') return doc
  if (unjudgeable(doc, update) !== undefined) return doc
  try {
    doc.transact((tr) => {
      Y.applyUpdate(doc, update)
      takeOutRefused(hooks, identity, doc, tr, undefined)
    })
  } catch {
    // Yjs refusing bytes half-way: the room would reload from the log; the oracle checks nothing here.
    const fresh = new Y.Doc()
    Y.applyUpdate(fresh, baseState)
    return fresh
  }
  return doc
}

const identities: Identity[] = [
  { sub: 'vic', tenant: 'acme', role: 'viewer' },
  { sub: 'ana', tenant: 'acme', role: 'staff', staffId: 'ana' },
  { sub: 'leo', tenant: 'acme', role: 'lead' },
  { sub: 'mara', tenant: 'acme', role: 'manager' },
]

describe('crafted updates are judged by their effect', () => {
  for (const identity of identities) {
    it(`${identity.role}: every update the server keeps changes only what a ${identity.role} may change (${runs} cases)`, () => {
      fc.assert(
        fc.property(updateArb, (update) => {
          const after = admit(identity, update)
          const before = new Y.Doc()
          Y.applyUpdate(before, baseState)
          const [was, now] = [toJSON(before), toJSON(after)]
          for (const leaf of changedLeaves(before, after)) {
            expect(mayChange(identity.role, was, now, leaf), `${identity.role} changed ${leaf}`).toBe(true)
          }
        }),
        { numRuns: runs },
      )
    }, 300_000)
  }
})

// ------------------------------------------------------------------------------------------------
// The same over REST: `POST /api/docs/{doc}/update` judges on a copy and refuses whole (403, nothing applied).

const restRuns = Number(process.env.ROTA_CRAFTED_REST_RUNS ?? 150)

describe('crafted updates over REST are judged by their effect', () => {
  const byToken = new Map(identities.map((identity) => [identity.role, identity]))
  const restHooks = {
    ...resolveHooks(createAuth({ secret: 'crafted-property-secret-crafted-property-0' })),
    // Tokens name a role here; everything else is @rota/auth's real judging.
    authenticate: async (token: string | undefined) => byToken.get((token ?? '').replace(/^Bearer /, '') as Identity['role']) ?? identities[0]!,
  }

  for (const identity of identities) {
    it(`${identity.role}: a 200 changes only what a ${identity.role} may change; a 403 changes nothing (${restRuns} cases)`, async () => {
      const server = await startTestServer({ hooks: restHooks })
      let n = 0
      try {
        await fc.assert(
          fc.asyncProperty(updateArb, async (update) => {
            const doc = `acme/rest-${identity.role}-${++n}`
            await server.rooms.applyUpdate(doc, baseState, { actor: 'seed', role: 'admin', origin: 'import' })
            const res = await fetch(`${server.url}/api/docs/${encodeURIComponent(doc)}/update`, {
              method: 'POST',
              headers: { authorization: `Bearer ${identity.role}`, 'content-type': 'application/octet-stream' },
              body: Buffer.from(update),
            })
            expect([200, 400, 403]).toContain(res.status)
            const after = await server.rooms.getDoc(doc)
            const before = new Y.Doc()
            Y.applyUpdate(before, baseState)
            const changed = changedLeaves(before, after)
            if (res.status !== 200) expect(changed, `${identity.role} got ${res.status} but changed ${changed.join(', ')}`).toEqual([])
            const [was, now] = [toJSON(before), toJSON(after)]
            for (const leaf of changed) expect(mayChange(identity.role, was, now, leaf), `${identity.role} changed ${leaf}`).toBe(true)
          }),
          { numRuns: restRuns },
        )
      } finally {
        await server.close()
      }
    }, 300_000)
  }
})
