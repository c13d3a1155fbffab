import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStore, openLevelStore, type ResolverStore } from './store.ts'
import { runResolverStoreCompliance } from './storeCompliance.ts'

runResolverStoreCompliance('memory', async () => {
  const store = createMemoryStore()
  return { store, cleanup: () => store.close() }
}, { persistent: false })

runResolverStoreCompliance('leveldb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rota-resolver-store-'))
  let store: ResolverStore = await openLevelStore(dir)
  return {
    store,
    reopen: async () => {
      await store.close()
      store = await openLevelStore(dir)
      return store
    },
    cleanup: async () => {
      await store.close().catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    },
  }
}, { persistent: true })
