import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createMemoryLog } from '@rota/log'
import { cleanupAfterEach, connectClient, startTestServer, waitFor, whenSynced } from './testing.ts'
import type { Extension, Identity, RefusedEvent, ServerHooks } from './types.ts'

const { track } = cleanupAfterEach()

/** Token "<sub>:<staffId>": a staff editor who may change shifts but not staff records. */
const hooks: Partial<ServerHooks> = {
  async authenticate(token) {
    const [sub, staffId] = (token ?? '').split(':')
    if (!sub || !staffId) throw Object.assign(new Error('bad token'), { code: 'ROTA_AUTH_INVALID' })
    return { sub, tenant: 'acme', role: 'staff', staffId } satisfies Identity
  },
  canRead: (_identity, doc) => doc.startsWith('acme/'),
  authorizeChanges: (_identity, _facts, changes) =>
    changes.map((c) => (c.path.startsWith('staff') ? { ok: false, reason: `staff may not set ${c.path}` } : { ok: true })),
  authorizeOps: () => ({ ok: true }),
  canAdmin: () => false,
}

describe('rooms.onRefused', () => {
  it('tells an extension who sent the changes the server took out, once the rest is in the log at that seq', async () => {
    const log = createMemoryLog()
    const events: RefusedEvent[] = []
    const listen: Extension = async (_app, { rooms }) => {
      rooms.onRefused((event) => events.push(event))
    }
    const server = track(await startTestServer({ log, hooks, extensions: [listen] }))
    const ana = track(connectClient(server, 'acme/w1', { params: { token: 'ana-user:ana' } }))
    await whenSynced(ana)
    ana.doc.transact(() => {
      const shift = new Y.Map<unknown>()
      shift.set('date', '2026-03-02')
      ana.doc.getMap('shifts').set('s1', shift)
      const person = new Y.Map<unknown>()
      person.set('name', 'Ben')
      ana.doc.getMap('staff').set('ben', person)
    })
    await waitFor(() => events.length === 1, 10_000, 'the refused event')
    const [event] = events
    expect(event!.doc).toBe('acme/w1')
    expect(event!.identity).toMatchObject({ sub: 'ana-user', staffId: 'ana' })
    expect(event!.changes.map((c) => [c.path, c.kind])).toEqual([['staff.ben', 'insert']])
    // The entry is durable by then, with the refused change put back and the shift kept.
    expect((await log.head('acme/w1'))!.headSeq).toBeGreaterThanOrEqual(event!.seq)
    const entries = []
    for await (const entry of log.read('acme/w1', { fromSeq: event!.seq, toSeq: event!.seq })) entries.push(entry)
    expect(entries[0]!.meta.details?.refused).toBeDefined()
    // An update with nothing refused is not reported.
    ana.doc.getMap('shifts').delete('s1')
    await waitFor(async () => (await log.head('acme/w1'))!.headSeq > event!.seq, 10_000, 'the next entry')
    expect(events).toHaveLength(1)
  })
})
