import { afterEach, describe, expect, it, vi } from 'vitest'
import { assign } from '@rota/model'
import { createMemoryLog } from '@rota/log'
import { startServer, type RotaServer } from '@rota/server'
import { editor, stockClient, testAuthHooks, tokenOf, waitFor, type Editor, type StockClient } from './e2e.helpers.ts'
import { resolverExtension } from './extension.ts'
import { seedWard } from './fixtures.ts'

const DOC = 'ward/w48'
const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
  vi.restoreAllMocks()
})

const started = async (): Promise<RotaServer> => {
  const server = await startServer({ log: createMemoryLog(), logger: false, hooks: testAuthHooks, extensions: [resolverExtension()] })
  cleanup.push(() => server.close())
  return server
}
const tracked = <T extends Editor | StockClient>(client: T): T => {
  cleanup.push(() => client.destroy())
  return client
}

describe('conflict notices (RotaConflicts) go only to clients that asked for Rota messages', () => {
  it('an ack=1 editor gets them; a stock y-websocket client on the same document gets no Rota message and logs nothing', async () => {
    const logged = [vi.spyOn(console, 'error'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'log')]
    const server = await started()
    const lead = tracked(editor(server.wsUrl, DOC, tokenOf('root', 'admin', 'ward')))
    const alice = tracked(editor(server.wsUrl, DOC, tokenOf('alice', 'manager', 'ward')))
    const bob = tracked(editor(server.wsUrl, DOC, tokenOf('bob', 'lead', 'ward')))
    await lead.connect()
    seedWard(lead.doc)
    const stock = tracked(stockClient(server.wsUrl, DOC, tokenOf('vic', 'viewer', 'ward')))
    await waitFor(() => stock.provider.synced && stock.doc.getMap('shifts').has('s1'), 5000, 'the stock client synced')
    await alice.connect()
    await bob.connect()
    await alice.disconnect()
    await bob.disconnect()
    // Two offline assignments of one shift: a concurrent overwrite, which the resolver announces.
    alice.doc.transact(() => assign(alice.doc, 's1', 'ana'))
    bob.doc.transact(() => assign(bob.doc, 's1', 'ben'))
    await alice.connect()
    await bob.connect()
    await waitFor(() => lead.notices.some((n) => n.open > 0 && n.changed.length > 0), 5000, 'a conflicts notice at the ack=1 editor')

    // An edit after the notice: once the stock client has it, anything the room sent it before has arrived.
    lead.doc.transact(() => assign(lead.doc, 's2', 'cy'))
    await waitFor(() => (stock.doc.getMap('shifts').get('s2') as { get(k: string): unknown } | undefined)?.get('assignee') === 'cy', 5000, 'the later edit at the stock client')
    expect(stock.types.length).toBeGreaterThan(0)
    expect(stock.types.filter((type) => type >= 100)).toEqual([])
    for (const spy of logged) expect(spy).not.toHaveBeenCalled()
  })
})
