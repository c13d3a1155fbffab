import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import { createMemoryLog } from '@rota/log'
import { startServer } from '@rota/server'
import { contentOf, docFromLog, nodeProvider, sameContent, settled, startProxy, waitFor } from './testing/harness.ts'

type Command =
  | { kind: 'set'; client: number; key: string; value: number }
  | { kind: 'delete'; client: number; key: string }
  | { kind: 'push'; client: number; value: number }
  | { kind: 'cut'; client: number }
  | { kind: 'restore'; client: number }
  | { kind: 'pause'; ms: number }

const client = fc.integer({ min: 0, max: 2 })
const key = fc.constantFrom('s1', 's2', 's3', 's4')
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), client, key, value: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), client, key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('push' as const), client, value: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cut' as const), client }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restore' as const), client }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 40 }) }) },
)

const stateVector = (doc: Y.Doc): Map<number, number> => Y.decodeStateVector(Y.encodeStateVector(doc))

/** Runs the commands against a fresh server and 3 clients behind proxies, then checks the claims. */
const runScenario = async (commands: Command[]): Promise<void> => {
    const log = createMemoryLog()
    const server = await startServer({ log, logger: false })
    const port = Number(new URL(server.url).port)
    const proxies = await Promise.all([0, 1, 2].map(() => startProxy(port)))
    const providers = proxies.map((proxy) => nodeProvider(proxy.url, 'acme/prop'))
    try {
      await waitFor(() => settled(providers), 'initial connections')
      for (const c of commands) {
        switch (c.kind) {
          case 'set':
            providers[c.client]!.doc.getMap('shifts').set(c.key, c.value)
            break
          case 'delete':
            providers[c.client]!.doc.getMap('shifts').delete(c.key)
            break
          case 'push':
            providers[c.client]!.doc.getArray('list').push([c.value])
            break
          case 'cut':
            proxies[c.client]!.cut()
            break
          case 'restore':
            proxies[c.client]!.restore()
            break
          case 'pause':
            await new Promise((resolve) => setTimeout(resolve, c.ms))
            break
        }
      }
      for (const proxy of proxies) proxy.restore()
      const docs = providers.map((p) => p.doc)
      await waitFor(() => settled(providers) && sameContent(docs, ['shifts']), 'convergence', 20_000)
      await waitFor(
        () => docs.every((d) => JSON.stringify(d.getArray('list').toJSON()) === JSON.stringify(docs[0]!.getArray('list').toJSON())),
        'lists converge',
        20_000,
      )
      const logged = await docFromLog(log, 'acme/prop')
      expect(contentOf(logged)).toBe(contentOf(docs[0]!))
      expect(logged.getArray('list').toJSON()).toEqual(docs[0]!.getArray('list').toJSON())
      // every struct any client made is in the log
      for (const doc of docs) expect(stateVector(logged)).toEqual(stateVector(doc))
    } finally {
      await Promise.all(providers.map((p) => p.destroy()))
      await Promise.all(proxies.map((proxy) => proxy.close()))
      await server.close()
      await log.close()
    }
}

describe('convergence under partitions (property)', () => {
  it('3 clients, random cuts and edits: all converge, all saved, the log holds every edit', async () => {
    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 30 }), runScenario), { numRuns: 8 })
  }, 120_000)

  // Seed 1982432678: the server acknowledges the empty sync step 2 of a fresh client; before that
  // reply counted as a send, the acks shifted by one and an edit lost in a cut showed as saved.
  it('[regression] an acknowledged empty sync step 2 does not shift the acks', async () => {
    await runScenario([
      { kind: 'set', client: 0, key: 's1', value: 0 },
      { kind: 'pause', ms: 9 },
      { kind: 'set', client: 0, key: 's1', value: 0 },
      { kind: 'cut', client: 0 },
      { kind: 'delete', client: 2, key: 's2' },
      { kind: 'cut', client: 0 },
    ])
  })
})
