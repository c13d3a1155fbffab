import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openLevelLog } from '@rota/log-leveldb'
import { startServer } from '@rota/server'
import { openLevelStore, type LevelStore } from './leveldb.ts'
import type { RotaProvider } from './provider.ts'
import {
  contentOf,
  docFromLog,
  nodeProvider,
  removeDir,
  sameContent,
  settled,
  startLevelServer,
  tempDir,
  waitFor,
  type RestartableServer,
} from './testing/harness.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const serverIn = async (): Promise<RestartableServer> => {
  const dir = await tempDir('server')
  cleanup.push(() => removeDir(dir))
  const rota = await startLevelServer(dir)
  cleanup.push(() => rota.stop())
  return rota
}

const storeIn = async (): Promise<{ dir: string; open(): LevelStore }> => {
  const dir = await tempDir('client')
  cleanup.push(() => removeDir(dir))
  return {
    dir,
    open: () => {
      const store = openLevelStore(dir)
      cleanup.push(() => store.close())
      return store
    },
  }
}

const provider = (rota: RestartableServer, docName: string, options: Parameters<typeof nodeProvider>[2] = {}, doc?: Y.Doc): RotaProvider => {
  const p = nodeProvider(`ws://127.0.0.1:${rota.port}`, docName, options, doc)
  cleanup.push(() => p.destroy())
  return p
}

const shifts = (p: RotaProvider): Y.Map<string> => p.doc.getMap<string>('shifts')

describe('RotaProvider with a real Rota server', () => {
  it('keeps edits made while the server is down and delivers them when it comes back', async () => {
    const rota = await serverIn()
    const local = await storeIn()
    const a = provider(rota, 'acme/w48', { offline: local.open() })
    const b = provider(rota, 'acme/w48')
    await waitFor(() => settled([a, b]), 'both clients connected')
    shifts(a).set('s1', 'ana')
    await waitFor(() => settled([a, b]) && shifts(b).get('s1') === 'ana', 'first edit saved and shared')

    await rota.stop()
    await waitFor(() => a.state.status !== 'connected' && b.state.status !== 'connected', 'clients notice the server is gone')
    shifts(a).set('s2', 'ben')
    shifts(a).delete('s1')
    shifts(b).set('s3', 'cleo')
    expect(a.state).toMatchObject({ saved: false, unsyncedChanges: 2 })
    expect(a.state.clientTime).not.toBeNull()
    const offlineSince = a.state.clientTime
    expect(b.state.unsyncedChanges).toBe(1)

    await rota.start()
    await waitFor(() => settled([a, b]) && sameContent([a.doc, b.doc]), 'clients reconnect, converge and are saved')
    expect(shifts(a).toJSON()).toEqual({ s2: 'ben', s3: 'cleo' })
    expect(a.state.clientTime).toBeNull()

    const logged = await docFromLog(rota.log, 'acme/w48')
    expect(contentOf(logged)).toBe(contentOf(a.doc))
    // the offline edits carry the time they were made, from the clientTime URL parameter
    const times: (number | undefined)[] = []
    for await (const entry of rota.log.read('acme/w48')) times.push(entry.meta.clientTime)
    expect(times).toContain(Date.parse(offlineSince ?? ''))
  })

  it('keeps offline edits across a client restart and delivers them later', async () => {
    const rota = await serverIn()
    const local = await storeIn()
    const store = local.open()
    const first = provider(rota, 'acme/w49', { offline: store })
    await waitFor(() => settled([first]), 'first session connected')
    shifts(first).set('s1', 'ana')
    shifts(first).set('s2', 'ben')
    await waitFor(() => settled([first]), 'first session saved')

    await rota.stop()
    await waitFor(() => first.state.status !== 'connected', 'first session offline')
    shifts(first).set('s3', 'cleo')
    shifts(first).delete('s1')
    await first.flushLocal()
    await first.destroy()
    await store.close()

    // a new process: new doc, new provider, same local store directory; the server is still down
    const second = provider(rota, 'acme/w49', { offline: openLevelStore(local.dir) })
    await second.whenLoaded
    expect(shifts(second).toJSON()).toEqual({ s2: 'ben', s3: 'cleo' })
    expect(second.state).toMatchObject({ saved: false, unsyncedChanges: 1 })
    expect(second.state.clientTime).not.toBeNull()

    await rota.start()
    await waitFor(() => settled([second]), 'second session saved')
    const fresh = provider(rota, 'acme/w49')
    await waitFor(() => settled([fresh]) && sameContent([fresh.doc, second.doc]), 'a fresh client sees the offline edits')
    expect(shifts(fresh).toJSON()).toEqual({ s2: 'ben', s3: 'cleo' })
    const logged = await docFromLog(rota.log, 'acme/w49')
    expect(logged.getMap('shifts').toJSON()).toEqual({ s2: 'ben', s3: 'cleo' })
  })

  it('reports auth-failed on 4401 and recovers with a new token without losing edits', async () => {
    const dir = await tempDir('auth')
    cleanup.push(() => removeDir(dir))
    const valid = new Set(['good'])
    const log = await openLevelLog({ dir })
    cleanup.push(() => log.close())
    const authError = (code: string): Error => Object.assign(new Error(code), { code })
    const server = await startServer({
      log,
      logger: false,
      hooks: {
        authenticate: async (token) => {
          if (token === undefined) throw authError('ROTA_AUTH_MISSING')
          if (!valid.has(token)) throw authError('ROTA_AUTH_EXPIRED')
          return { sub: token, tenant: null, role: 'admin' }
        },
      },
    })
    cleanup.push(() => server.close())
    const p = nodeProvider(server.wsUrl, 'acme/w50', { token: 'stale' })
    cleanup.push(() => p.destroy())
    const failures: number[] = []
    p.on('auth-failed', (code) => failures.push(code))
    await waitFor(() => p.state.status === 'auth-failed', 'auth failure reported')
    expect(failures).toEqual([4401])
    shifts(p).set('s1', 'kept')
    expect(p.state.saved).toBe(false)
    p.setToken('good')
    await waitFor(() => settled([p]), 'saved with the new token')
    const logged = await docFromLog(log, 'acme/w50')
    expect(logged.getMap('shifts').get('s1')).toBe('kept')
  })
})
