// Two real servers on one log and one resolver store, with leases (the shape `rota serve --log-url`
// runs): edits that reach different instances are examined by the lease holder, from the log, once.
// The feeds are stepped by hand (`tick`), so nothing here waits for a timer.
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createMemoryLog } from '@rota/log'
import { assign } from '@rota/model'
import { createMetrics, startServer, type RotaServer } from '@rota/server'
import { editor, testAuthHooks, tokenOf, waitFor, type Editor } from './e2e.helpers.ts'
import { resolverExtension } from './extension.ts'
import type { LogFeed } from './feed.ts'
import { seedWard } from './fixtures.ts'
import { createMemoryLeases } from './lease.ts'
import type { Resolver } from './resolver.ts'
import { createMemoryStore } from './store.ts'
import type { Conflict } from './types.ts'

const DOC = 'ward/w48'
const servers: RotaServer[] = []
const editors: Editor[] = []
afterEach(async () => {
  for (const e of editors.splice(0)) e.destroy()
  for (const s of servers.splice(0)) await s.close()
})

describe('the resolver on two instances sharing a store', () => {
  it('examines edits from both instances on the lease holder only, and detects their conflict once', async () => {
    const log = createMemoryLog()
    const store = createMemoryStore()
    const leases = createMemoryLeases(() => 0)
    const start = async (name: string) => {
      let feed: LogFeed | undefined
      let engine: Resolver | undefined
      const server = await startServer({
        log, logger: false, hooks: testAuthHooks, metrics: createMetrics({ defaultMetrics: false }),
        extensions: [resolverExtension({
          store, onReady: (r) => { engine = r },
          shared: { lease: leases.lease(name), tickEveryMs: 3_600_000, onFeed: (f) => { feed = f } },
        })],
      })
      servers.push(server)
      return { server, feed: () => feed as LogFeed, resolver: () => engine as Resolver }
    }
    const one = await start('i1')
    const two = await start('i2')
    const connect = async (e: Editor) => {
      editors.push(e)
      await e.connect()
    }
    const admin = editor(one.server.wsUrl, DOC, tokenOf('root', 'admin', 'ward'))
    await connect(admin)
    seedWard(admin.doc)
    await waitFor(async () => (await log.head(DOC)) !== undefined, 5000, 'seed stored')
    const alice = editor(one.server.wsUrl, DOC, tokenOf('alice', 'manager', 'ward'))
    await connect(alice)
    await alice.disconnect()
    // Bob synced the same state, then edits offline and comes back on the other instance.
    const bob = editor(two.server.wsUrl, DOC, tokenOf('bob', 'manager', 'ward'))
    Y.applyUpdate(bob.doc, Y.encodeStateAsUpdate(alice.doc))
    alice.doc.transact(() => assign(alice.doc, 's1', 'ana'))
    bob.doc.transact(() => assign(bob.doc, 's1', 'ben'))
    await alice.connect()
    await connect(bob)
    const head = async () => (await log.head(DOC))?.headSeq ?? 0
    const actors = async () => {
      const seen = new Set<string>()
      for await (const e of log.read(DOC)) seen.add(e.meta.actor)
      return seen
    }
    await waitFor(async () => (await actors()).has('alice') && (await actors()).has('bob'), 5000, 'both edits stored')
    for (let round = 0; round < 5; round++) {
      await one.feed().tick()
      await two.feed().tick()
      await one.feed().idle()
      await two.feed().idle()
      await one.resolver().idle()
      await two.resolver().idle()
    }
    const listed = async (r: typeof one): Promise<Conflict[]> => {
      const res = await r.server.app.inject({ method: 'GET', url: `/api/docs/${encodeURIComponent(DOC)}/conflicts?status=all`, headers: { authorization: `Bearer ${tokenOf('mia', 'manager', 'ward')}` } })
      return (res.json() as { conflicts: Conflict[] }).conflicts
    }
    const conflicts = await listed(two)
    expect(conflicts).toHaveLength(1)
    expect(conflicts[0]).toMatchObject({ kind: 'concurrent_overwrite', status: 'open' })
    expect(conflicts[0]!.edits.map((e) => e.editorId).sort()).toEqual(['alice', 'bob'])
    expect(await listed(one)).toEqual(conflicts)
    // i1 took the lease with the first update and fed every entry; i2 never examined any.
    expect([...one.feed().held()]).toEqual([[DOC, await head()]])
    expect(two.feed().held().size).toBe(0)
    expect(two.resolver().held()).toEqual([])
    expect(await leases.lease('i2').progress(DOC)).toBe(await head())
  })
})
