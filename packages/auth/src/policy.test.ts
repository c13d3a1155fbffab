import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyOps, type PathOp } from '@rota/model'
import { authorizeOps, authorizeUpdate, canAdmin } from './authorize.ts'
import { editOf, replicaOf, shiftMap, staffMap, wardDoc } from './testing/schedule.ts'
import { craftUpdate } from './testing/craft.ts'
import type { Identity, Role } from './types.ts'

const as = (role: Role, staffId?: string): Identity => ({ sub: `${role}-user`, tenant: 'acme', role, ...(staffId ? { staffId } : {}) })
const ana = as('staff', 'ana')
const viewer = as('viewer')
const lead = as('lead')
const manager = as('manager')
const admin = as('admin')

/** The update a client sends for these path ops, and the verdicts of both entry points. */
const judge = (identity: Identity, ops: PathOp[]) => {
  const doc = wardDoc()
  const update = editOf(doc, (replica) => applyOps(replica, ops))
  return { update: authorizeUpdate(identity, doc, update), ops: authorizeOps(identity, doc, ops) }
}

const allowed = (identity: Identity, ops: PathOp[]) => {
  const verdict = judge(identity, ops)
  expect(verdict.update, `update ${JSON.stringify(ops)}`).toEqual({ ok: true })
  expect(verdict.ops, `ops ${JSON.stringify(ops)}`).toEqual({ ok: true })
}

const refused = (identity: Identity, ops: PathOp[]) => {
  const verdict = judge(identity, ops)
  expect(verdict.update, `update ${JSON.stringify(ops)}`).toMatchObject({ ok: false, reason: expect.any(String) })
  expect(verdict.ops, `ops ${JSON.stringify(ops)}`).toMatchObject({ ok: false, reason: expect.any(String) })
}

/** Judges a raw Yjs edit (what a crafted client could send) as a staff member. */
const rawVerdict = (identity: Identity, edit: (replica: Y.Doc) => void) => {
  const doc = wardDoc()
  return authorizeUpdate(identity, doc, editOf(doc, edit))
}

describe('staff: self-service only', () => {
  it('picks up an open shift and writes a note on it in the same update', () => {
    allowed(ana, [
      { op: 'set', path: 'shifts.open.assignee', value: 'ana' },
      { op: 'set', path: 'shifts.open.notes', value: 'I can take it' },
    ])
    allowed(ana, [{ op: 'set', path: 'shifts.icu.assignee', value: 'ana' }])
  })

  it('may not pick up a shift for someone else, or one they do not qualify for', () => {
    refused(ana, [{ op: 'set', path: 'shifts.open.assignee', value: 'ben' }])
    refused(ana, [{ op: 'set', path: 'shifts.doctors.assignee', value: 'ana' }])
    refused(ana, [{ op: 'set', path: 'shifts.peds.assignee', value: 'ana' }])
  })

  it('releases their own shift, with a note if they like', () => {
    allowed(ana, [{ op: 'delete', path: 'shifts.anas.assignee' }])
    allowed(ana, [
      { op: 'set', path: 'shifts.anas.assignee', value: null },
      { op: 'set', path: 'shifts.anas.notes', value: 'sick, sorry' },
    ])
    allowed(ana, [{ op: 'set', path: 'shifts.anas.notes', value: 'swap?' }])
  })

  it('may not change someone else’s shift: take it, release it, or write on it', () => {
    refused(ana, [{ op: 'set', path: 'shifts.bens.assignee', value: 'ana' }])
    refused(ana, [{ op: 'delete', path: 'shifts.bens.assignee' }])
    refused(ana, [{ op: 'set', path: 'shifts.bens.notes', value: 'hi' }])
    refused(ana, [{ op: 'set', path: 'shifts.open.notes', value: 'hi' }])
  })

  it('may not change anything else about a shift, even their own', () => {
    refused(ana, [{ op: 'set', path: 'shifts.anas.start', value: '08:00' }])
    refused(ana, [{ op: 'delete', path: 'shifts.anas' }])
    refused(ana, [{ op: 'set', path: 'shifts.new', value: { date: '2026-12-10', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' } }])
  })

  it('appends to their own time off, not to anyone else’s, and does not remove it', () => {
    allowed(ana, [{ op: 'append', path: 'staff.ana.unavailable', value: '2026-12-24' }])
    allowed(ana, [
      { op: 'append', path: 'staff.ana.unavailable', value: '2026-12-24' },
      { op: 'append', path: 'staff.ana.unavailable', value: '2026-12-25' },
    ])
    refused(ana, [{ op: 'append', path: 'staff.ben.unavailable', value: '2026-12-24' }])
    refused(ana, [{ op: 'delete', path: 'staff.ana.unavailable', value: '2026-12-01' }])
    refused(ana, [{ op: 'set', path: 'staff.ana.unavailable', value: [] }])
  })

  it('may not touch their own record otherwise, other records or the settings', () => {
    refused(ana, [{ op: 'set', path: 'staff.ana.maxHoursPerWeek', value: 60 }])
    refused(ana, [{ op: 'append', path: 'staff.ana.skills', value: 'peds' }])
    refused(ana, [{ op: 'set', path: 'staff.ben.name', value: 'B.' }])
    refused(ana, [{ op: 'delete', path: 'staff.ben' }])
    refused(ana, [{ op: 'set', path: 'settings.name', value: 'Mine' }])
  })

  it('a single forbidden change sinks the whole update', () => {
    refused(ana, [
      { op: 'set', path: 'shifts.open.assignee', value: 'ana' },
      { op: 'set', path: 'settings.name', value: 'Mine' },
    ])
    refused(ana, [
      { op: 'append', path: 'staff.ana.unavailable', value: '2026-12-24' },
      { op: 'set', path: 'shifts.bens.assignee', value: null },
    ])
  })

  it('crafted updates that reach other paths are refused', () => {
    // Raw Yjs writes a modified client could make, bypassing the model.
    expect(rawVerdict(ana, (d) => d.getMap('evil').set('x', 1))).toMatchObject({ ok: false })
    expect(rawVerdict(ana, (d) => shiftMap(d, 'anas').set('extra', 'x'))).toMatchObject({ ok: false })
    expect(rawVerdict(ana, (d) => (staffMap(d, 'ana').get('unavailable') as Y.Array<string>).push(['tomorrow']))).toMatchObject({ ok: false })
    expect(rawVerdict(ana, (d) => (staffMap(d, 'ana').get('unavailable') as Y.Array<string>).delete(0, 1))).toMatchObject({ ok: false })
    expect(rawVerdict(ana, (d) => staffMap(d, 'ana').set('unavailable', Y.Array.from(['2026-12-24'])))).toMatchObject({ ok: false })
    expect(rawVerdict(ana, (d) => d.getMap('shifts').delete('bens'))).toMatchObject({ ok: false })
    expect(
      rawVerdict(ana, (d) => {
        shiftMap(d, 'open').set('assignee', 'ana')
        shiftMap(d, 'open').set('role', 'doctor')
      }),
    ).toMatchObject({ ok: false })
    // The same pick-up, written raw, is fine.
    expect(rawVerdict(ana, (d) => shiftMap(d, 'open').set('assignee', 'ana'))).toEqual({ ok: true })
  })

  it('a deletion-only update aimed at someone else’s shift is refused', () => {
    const doc = wardDoc()
    const item = (shiftMap(doc, 'bens') as unknown as { _map: Map<string, Y.Item> })._map.get('assignee')!
    const update = craftUpdate([], [{ client: item.id.client, clock: item.id.clock, len: 1 }])
    expect(authorizeUpdate(ana, doc, update)).toMatchObject({ ok: false })
  })

  it('an update Yjs would keep pending (changing things later, unjudged) is refused', () => {
    const doc = wardDoc()
    const ahead = replicaOf(doc)
    shiftMap(ahead, 'bens').set('start', '16:00')
    const sv = Y.encodeStateVector(ahead)
    shiftMap(ahead, 'open').set('notes', 'later')
    const dependent = Y.encodeStateAsUpdate(ahead, sv)
    expect(authorizeUpdate(ana, doc, dependent)).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot be applied yet/) })
  })

  it('two staff racing for one open shift: the second is judged against the first’s result', () => {
    const doc = wardDoc()
    const ben = as('staff', 'ben')
    const fromAna = editOf(doc, (d) => shiftMap(d, 'open').set('assignee', 'ana'))
    const fromBen = editOf(doc, (d) => shiftMap(d, 'open').set('assignee', 'ben'))
    expect(authorizeUpdate(ana, doc, fromAna)).toEqual({ ok: true })
    Y.applyUpdate(doc, fromAna)
    // Judged by effect: where Yjs would let Ben's write win, it takes the shift from Ana and is refused;
    // where Ana's write wins, Ben's changes nothing and passes. Either way the shift stays Ana's.
    const verdict = authorizeUpdate(ben, doc, fromBen)
    if (verdict.ok) Y.applyUpdate(doc, fromBen)
    expect(shiftMap(doc, 'open').get('assignee')).toBe('ana')
  })
})

describe('viewer: read only', () => {
  it('every change is refused, whatever the path', () => {
    refused(viewer, [{ op: 'set', path: 'shifts.open.notes', value: 'x' }])
    refused(viewer, [{ op: 'append', path: 'staff.ana.unavailable', value: '2026-12-24' }])
    expect(rawVerdict(viewer, (d) => d.getMap('evil').set('x', 1))).toMatchObject({ ok: false })
  })

  it('the sync step 2 of an up-to-date read-only client changes nothing and passes', () => {
    const doc = wardDoc()
    shiftMap(doc, 'open').set('notes', 'edited')
    shiftMap(doc, 'open').set('notes', 'edited again')
    const replica = replicaOf(doc)
    expect(authorizeUpdate(viewer, doc, Y.encodeStateAsUpdate(replica, Y.encodeStateVector(doc)))).toEqual({ ok: true })
    expect(authorizeOps(viewer, doc, [])).toEqual({ ok: true })
  })

  it('garbage is refused, not thrown', () => {
    expect(authorizeUpdate(viewer, wardDoc(), Buffer.from('garbagedoc', 'base64'))).toMatchObject({ ok: false })
    expect(authorizeUpdate(ana, wardDoc(), new Uint8Array([1, 2, 3]))).toMatchObject({ ok: false })
    expect(authorizeOps(ana, wardDoc(), [{ nope: 1 } as unknown as PathOp])).toMatchObject({ ok: false })
  })
})

describe('lead, manager, admin', () => {
  it('a lead edits shifts and anyone’s time off', () => {
    allowed(lead, [{ op: 'set', path: 'shifts.bens.assignee', value: 'ana' }])
    allowed(lead, [{ op: 'set', path: 'shifts.anas.start', value: '08:00' }])
    allowed(lead, [{ op: 'delete', path: 'shifts.peds' }])
    allowed(lead, [{ op: 'set', path: 'shifts.x', value: { date: '2026-12-10', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' } }])
    allowed(lead, [{ op: 'delete', path: 'staff.ana.unavailable', value: '2026-12-01' }])
  })

  it('a lead does not edit staff records or the settings', () => {
    refused(lead, [{ op: 'set', path: 'staff.ben.maxHoursPerWeek', value: 60 }])
    refused(lead, [{ op: 'delete', path: 'staff.ben' }])
    refused(lead, [{ op: 'set', path: 'settings.timezone', value: 'Europe/Paris' }])
    expect(rawVerdict(lead, (d) => d.getMap('evil').set('x', 1))).toMatchObject({ ok: false })
  })

  it('managers and admins edit everything', () => {
    for (const identity of [manager, admin]) {
      allowed(identity, [{ op: 'set', path: 'settings.timezone', value: 'Europe/Paris' }])
      allowed(identity, [{ op: 'delete', path: 'staff.ben' }])
      allowed(identity, [{ op: 'set', path: 'shifts.bens.assignee', value: 'ana' }])
    }
  })

  it('hostile updates are refused whoever sends them (a stolen admin token included)', () => {
    const doc = wardDoc()
    const forward = craftUpdate([{ client: 5, clock: 0, items: [{ origin: Y.createID(5, 9), content: new Y.ContentAny(['x']) }] }])
    const bomb = craftUpdate([{ client: 5, clock: 2 ** 45, items: [{ parent: 'shifts', parentSub: 'k', content: new Y.ContentAny([1]) }] }])
    for (const identity of [admin, manager, lead]) {
      expect(authorizeUpdate(identity, doc, forward)).toMatchObject({ ok: false })
      expect(authorizeUpdate(identity, doc, bomb)).toMatchObject({ ok: false })
      expect(authorizeUpdate(identity, doc, Buffer.from('garbagedoc', 'base64'))).toMatchObject({ ok: false })
    }
  })

  it('restore and delete are the admin’s; settings are the manager’s and up', () => {
    const table = (['viewer', 'staff', 'lead', 'manager', 'admin'] as const).map((role) => [
      role,
      canAdmin(as(role), 'settings'),
      canAdmin(as(role), 'restore'),
      canAdmin(as(role), 'delete'),
    ])
    expect(table).toEqual([
      ['viewer', false, false, false],
      ['staff', false, false, false],
      ['lead', false, false, false],
      ['manager', true, false, false],
      ['admin', true, true, true],
    ])
  })

  it('deciding conflicts is the lead’s and up (the resolver’s rule before it asked canAdmin); unknown actions are refused', () => {
    const deciders = (['viewer', 'staff', 'lead', 'manager', 'admin'] as const).filter((role) => canAdmin(as(role), 'conflicts'))
    expect(deciders).toEqual(['lead', 'manager', 'admin'])
    for (const action of ['nonsense', 'constructor', '__proto__', 'toString']) {
      expect(canAdmin(as('admin'), action as never), action).toBe(false)
    }
  })
})
