import { describe, expect, it } from 'vitest'
import { ResolverErrorCode } from '@rota/resolver'
import { runResolverStoreCompliance } from '@rota/resolver/compliance'
import { runSharedResolverTests } from '@rota/resolver/shared-compliance'
import { migrateResolverStore } from './schema.ts'
import { openPostgresResolverStore, type PostgresResolverStore } from './store.ts'
import { HAS_POSTGRES, POSTGRES_URL, migratedSchema, sql } from './test-db.ts'

/** Stores on one fresh schema; `cleanup` closes them all and drops it. */
const storage = async () => {
  const { schema, drop } = await migratedSchema()
  const open: PostgresResolverStore[] = []
  const openStore = async () => {
    const store = await openPostgresResolverStore({ url: POSTGRES_URL, schema })
    open.push(store)
    return store
  }
  const cleanup = async () => {
    for (const s of open) await s.close()
    await drop()
  }
  return { schema, openStore, cleanup }
}

describe.skipIf(!HAS_POSTGRES)('the PostgreSQL resolver store', () => {
  runResolverStoreCompliance('postgres', async () => {
    const { openStore, cleanup } = await storage()
    let store = await openStore()
    return {
      store,
      reopen: async () => {
        await store.close()
        store = await openStore()
        return store
      },
      openAnother: openStore,
      cleanup,
    }
  }, { persistent: true, shared: true })

  runSharedResolverTests('postgres', async () => {
    const { openStore, cleanup } = await storage()
    // Every instance's lease goes through one more pool on the same schema.
    const leases = await openStore()
    return { openStore, lease: (holder, now, ttlMs) => leases.lease(holder, { now, ttlMs }), cleanup }
  })
})

describe.skipIf(!HAS_POSTGRES)('the PostgreSQL resolver store’s schema', () => {
  it('refuses to open on a schema rota migrate never prepared, and says what to run', async () => {
    const schema = `r_missing_${process.pid}`
    await expect(openPostgresResolverStore({ url: POSTGRES_URL, schema })).rejects.toMatchObject({
      code: ResolverErrorCode.Store, message: expect.stringContaining('run rota migrate'),
    })
  })

  it('migrates once; a second run changes nothing', async () => {
    const { schema, drop } = await migratedSchema()
    try {
      expect(await migrateResolverStore(POSTGRES_URL, { schema })).toEqual({ schema, from: 1, to: 1 })
      const { rows } = await sql(POSTGRES_URL, 'SELECT count(*)::int AS n FROM rota_resolver_schema', [], schema)
      expect(rows[0].n).toBe(1)
    } finally {
      await drop()
    }
  })

  it('rejects a schema name that is not a plain identifier, before connecting', async () => {
    await expect(migrateResolverStore(POSTGRES_URL, { schema: 'x"; DROP TABLE y; --' })).rejects.toMatchObject({ code: ResolverErrorCode.BadInput })
  })

  it('fails with ROTA_RESOLVER_STORE, without the password, when the database cannot be reached', async () => {
    const err = await openPostgresResolverStore({ url: 'postgres://rota:secret@127.0.0.1:1/nowhere' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: ResolverErrorCode.Store })
    expect(String((err as Error).message)).not.toContain('secret')
  })
})
