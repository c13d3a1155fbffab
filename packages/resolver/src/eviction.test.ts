// A hibernating room takes the resolver's history of its document with it when the log is short enough to
// read back whole (eviction.ts), and detection after the document wakes finds what it found before.
import { afterEach, describe, expect, it } from 'vitest'
import { assign } from '@rota/model'
import { createMemoryLog } from '@rota/log'
import { startServer, type RotaServer } from '@rota/server'
import { editor, testAuthHooks, tokenOf, waitFor, type Editor } from './e2e.helpers.ts'
import { resolverExtension } from './extension.ts'
import { seedWard } from './fixtures.ts'
import type { Resolver } from './resolver.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** A server whose hibernation sweeps the test runs itself (roomHibernateMs 0: no timer). */
const log = createMemoryLog()
const headOf = async (doc: string): Promise<number> => (await log.head(doc))?.headSeq ?? 0

const started = async (forgetHibernatedUpTo: number): Promise<{ server: RotaServer; resolver: Resolver; sweepTwice: () => Promise<void> }> => {
  let resolver: Resolver | undefined
  const server = await startServer({
    log, logger: false, hooks: testAuthHooks, roomHibernateMs: 0,
    extensions: [resolverExtension({ forgetHibernatedUpTo, onReady: (r) => (resolver = r) })],
  })
  cleanup.push(() => server.close())
  // The registry behind server.rooms runs a sweep on request (RoomRegistry.hibernateIdle; not on the extension API).
  const rooms = server.rooms as unknown as { hibernateIdle(): Promise<void> }
  // Two sweeps without a use hibernate a room (the first clears its `used` flag).
  const sweepTwice = async () => {
    await rooms.hibernateIdle()
    await rooms.hibernateIdle()
  }
  return { server, resolver: resolver as Resolver, sweepTwice }
}

const connected = async (server: RotaServer, doc: string, sub: string, role: 'admin' | 'manager'): Promise<Editor> => {
  const client = editor(server.wsUrl, doc, tokenOf(sub, role, 'ward'))
  cleanup.push(() => client.destroy())
  await client.connect()
  return client
}

/** Once the log holds at least `entries` of the document, until the resolver has examined all of them. */
const examined = async (resolver: Resolver, doc: string, entries: number): Promise<void> => {
  await waitFor(async () => (await headOf(doc)) >= entries, 5000, `${entries} entries of ${doc} in the log`)
  const headSeq = await headOf(doc)
  await waitFor(() => resolver.processedSeq(doc) >= headSeq, 5000, `the resolver examined ${doc} up to ${headSeq}`)
}

describe('the resolver forgets what a hibernating document does not need', () => {
  it('drops the history of a hibernated document with a short log, and detects as before once it wakes', async () => {
    const { server, resolver, sweepTwice } = await started(10)
    const lead = await connected(server, 'ward/short', 'root', 'admin')
    seedWard(lead.doc)
    await examined(resolver, 'ward/short', 1)
    expect(resolver.held()).toContain('ward/short')

    await sweepTwice()
    expect(resolver.held()).not.toContain('ward/short')

    // Two managers assign one shift offline: after the wake the history is read back and the overwrite found.
    const alice = await connected(server, 'ward/short', 'alice', 'manager')
    const bob = await connected(server, 'ward/short', 'bob', 'manager')
    await alice.disconnect()
    await bob.disconnect()
    alice.doc.transact(() => assign(alice.doc, 's1', 'ana'))
    bob.doc.transact(() => assign(bob.doc, 's1', 'ben'))
    await alice.connect()
    await bob.connect()
    await examined(resolver, 'ward/short', 3)
    await waitFor(async () => (await resolver.list('ward/short', 'open')).length > 0, 5000, 'a conflict on ward/short')
    expect(resolver.held()).toContain('ward/short')
    const open = await resolver.list('ward/short', 'open')
    expect(open.map((c) => c.kind)).toContain('concurrent_overwrite')
  })

  it('keeps the history of a hibernated document whose log is longer than it reads back whole', async () => {
    const { server, resolver, sweepTwice } = await started(2)
    const lead = await connected(server, 'ward/long', 'root', 'admin')
    seedWard(lead.doc)
    for (const who of ['ana', 'ben', 'cy']) lead.doc.transact(() => assign(lead.doc, 's2', who))
    await examined(resolver, 'ward/long', 4)

    await sweepTwice()
    expect(resolver.held()).toContain('ward/long')
  })
})
