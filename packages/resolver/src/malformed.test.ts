import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { assign, toJSON } from '@rota/model'
import { seedWard } from './fixtures.ts'
import { DocHistory } from './history.ts'
import { SimServer, countThrown } from './testing.ts'

/**
 * A record whose fields have not all arrived, values of the wrong type, a record that is not a map, an id
 * no path can name, a view holding a record but not its fields: states no validator saw. The resolver reads
 * them as @rota/model's lenient projection does, as a normal case: no exception thrown (and caught).
 */
const malformedHistory = (): SimServer => {
  const server = new SimServer()
  const admin = server.client('admin', 'admin')
  admin.connect()
  admin.edit(seedWard)
  const away = server.client('alice', 'manager')
  const foreign = server.client('tool', 'manager')
  foreign.connect()
  foreign.edit((d) => {
    // The record first, its fields in later updates: a view between them holds a record without fields.
    d.getMap('shifts').set('x', new Y.Map<unknown>([['date', '2026-11-23']]))
  })
  away.connect()
  away.disconnect()
  foreign.edit((d) => {
    const x = d.getMap('shifts').get('x') as Y.Map<unknown>
    d.transact(() => {
      x.set('start', '7:00')
      x.set('end', 15)
      x.set('assignee', 42)
      x.set('role', '')
      d.getMap('staff').set('zed', 'not a record')
      d.getMap('shifts').set('a.b', new Y.Map<unknown>([['date', '2026-11-23']]))
      ;(d.getMap('staff').get('ana') as Y.Map<unknown>).set('maxHoursPerWeek', -3)
      ;(d.getMap('staff').get('ana') as Y.Map<unknown>).set('skills', Y.Array.from<string | number>(['iv', 7, '']))
    })
  })
  // The offline editor saw the record with its date only, and edits it.
  away.edit((d) => {
    const x = d.getMap('shifts').get('x') as Y.Map<unknown>
    x.set('assignee', 'ana')
    x.set('start', '09:00')
    assign(d, 's1', 'ana')
  })
  away.connect()
  return server
}

describe('malformed intermediate states', () => {
  it('[P2] are read without a single exception, as the lenient projection reads them', () => {
    const server = malformedHistory()
    const h = new DocHistory('t/d')
    const thrown = countThrown(() => {
      for (const e of server.events) h.ingest(e, true)
      for (const e of server.events) h.explain(e.seq)
    })
    expect(thrown).toBe(0)
    // Concurrent values: which one Yjs keeps depends on client ids; the projection is @rota/model's either way.
    expect(h.state).toEqual(toJSON(server.doc))
    expect(h.state.shifts.x).toMatchObject({ date: '2026-11-23', end: '', role: '', requiredSkill: null })
    expect(Object.keys(h.state.shifts)).not.toContain('a.b')
    expect(Object.keys(h.state.staff)).not.toContain('zed')
    expect(h.state.staff.ana).toMatchObject({ maxHoursPerWeek: 40, skills: ['iv'] })
    // The offline editor's view: the record as it had it (its date only), plus their own edits.
    const reply = server.events.at(-1)!
    expect(h.explain(reply.seq)!.base.shifts.x).toEqual({ date: '2026-11-23', start: '', end: '', role: '', requiredSkill: null, assignee: null, notes: '' })
  })
})
