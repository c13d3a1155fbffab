import { describe, expect, it } from 'vitest'
import { createAuth } from './createAuth.ts'
import { defaultRoleRules, parseRoleRules } from './roleRules.ts'
import { loadRoleRulesCache } from './roleRulesCache.ts'
import { runRoleRulesStoreCompliance } from './roleRulesCompliance.ts'
import { createMemoryRoleRulesStore, type RoleRulesStore } from './roleRulesStore.ts'
import { roleRulesView } from './roleRulesView.ts'
import type { Identity } from './types.ts'

runRoleRulesStoreCompliance('memory', async () => ({ store: createMemoryRoleRulesStore(), cleanup: async () => {} }), { persistent: false })

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0)
const leadsKeepStaff = parseRoleRules({ staffRecords: 'lead' })
const lead = (tenant: string | null): Identity => ({ sub: 'lee', tenant, role: 'lead' })

describe('RoleRulesCache', () => {
  it('loads every stored team at start and answers synchronously, defaults for the rest', async () => {
    const store = createMemoryRoleRulesStore()
    await store.set('acme', leadsKeepStaff, { actor: 'mia', at: T0 })
    const cache = await loadRoleRulesCache(store)
    expect(cache.get('acme').staffRecords).toBe('lead')
    expect(cache.get('bolt')).toBe(defaultRoleRules)
    expect(cache.get(null)).toBe(defaultRoleRules)
    expect(cache.entry('acme')).toMatchObject({ actor: 'mia', at: T0 })
    expect(Object.isFrozen(cache.get('acme')) && Object.isFrozen(cache.get('acme').selfService)).toBe(true)
  })

  it('writes the store first, then serves the new rules; delete goes back to the defaults', async () => {
    const store = createMemoryRoleRulesStore()
    const cache = await loadRoleRulesCache(store)
    await cache.set('acme', leadsKeepStaff, { actor: 'mia', at: T0 })
    expect(cache.get('acme')).toEqual(leadsKeepStaff)
    expect(await store.get('acme')).toEqual({ rules: leadsKeepStaff, actor: 'mia', at: T0 })
    expect(await cache.delete('acme')).toBe(true)
    expect(cache.get('acme')).toBe(defaultRoleRules)
    expect(await store.get('acme')).toBeUndefined()
    expect(await cache.delete('acme')).toBe(false)
  })

  it('keeps serving the old rules when the store refuses a write', async () => {
    const store = createMemoryRoleRulesStore()
    await store.set('acme', leadsKeepStaff, { actor: 'mia', at: T0 })
    const failing: RoleRulesStore = { ...store, set: async () => Promise.reject(new Error('disk full')), delete: async () => Promise.reject(new Error('disk full')) }
    const cache = await loadRoleRulesCache(failing)
    await expect(cache.set('acme', defaultRoleRules, { actor: 'ola', at: T0 + 1 })).rejects.toThrow('disk full')
    await expect(cache.delete('acme')).rejects.toThrow('disk full')
    expect(cache.get('acme').staffRecords).toBe('lead')
  })

  it('applies racing writes to the store and the cache in the same order', async () => {
    const store = createMemoryRoleRulesStore()
    // A store whose first write is the slowest: without serialising, the cache would end on the first one.
    let delay = 30
    const slow: RoleRulesStore = { ...store, set: async (t, r, m) => { await new Promise((done) => setTimeout(done, (delay -= 10))); return store.set(t, r, m) } }
    const cache = await loadRoleRulesCache(slow)
    await Promise.all([
      cache.set('acme', parseRoleRules({ shifts: 'manager' }), { actor: 'a', at: T0 }),
      cache.set('acme', parseRoleRules({ shifts: 'admin' }), { actor: 'b', at: T0 + 1 }),
    ])
    expect(cache.get('acme').shifts).toBe('admin')
    expect((await store.get('acme'))?.rules.shifts).toBe('admin')
  })

  it('fills areas that stored rules lack with the defaults, and refuses rules it cannot read', async () => {
    const store = createMemoryRoleRulesStore()
    const { shifts: _dropped, ...older } = leadsKeepStaff
    await store.set('acme', older as never, { actor: 'mia', at: T0 })
    expect((await loadRoleRulesCache(store)).get('acme')).toEqual({ ...leadsKeepStaff, shifts: defaultRoleRules.shifts })
    await store.set('acme', { ...leadsKeepStaff, shifts: 'viewer' }, { actor: 'mia', at: T0 })
    await expect(loadRoleRulesCache(store)).rejects.toMatchObject({ code: 'ROTA_AUTH_BAD_RULES' })
  })
})

describe('roleRulesView', () => {
  it('says whether the rules are the defaults and who set them', () => {
    expect(roleRulesView('acme', undefined)).toEqual({ tenant: 'acme', rules: defaultRoleRules, isDefault: true, updatedBy: null, updatedAt: null })
    expect(roleRulesView('acme', { rules: leadsKeepStaff, actor: 'mia', at: T0 })).toEqual({
      tenant: 'acme', rules: leadsKeepStaff, isDefault: false, updatedBy: 'mia', updatedAt: '2026-11-25T09:00:00.000Z',
    })
    expect(roleRulesView('acme', { rules: parseRoleRules({}), actor: 'mia', at: T0 }).isDefault).toBe(true)
  })
})

describe('createAuth roleRules', () => {
  it('hands out the rules of the identity\'s team from the source, the defaults without one', async () => {
    expect(createAuth().roleRules!(lead('acme'))).toBe(defaultRoleRules)
    const cache = await loadRoleRulesCache(createMemoryRoleRulesStore())
    const auth = createAuth({}, { rules: cache })
    expect(auth.roleRules!(lead('acme')).staffRecords).toBe('manager')
    await cache.set('acme', leadsKeepStaff, { actor: 'mia', at: T0 })
    expect(auth.roleRules!(lead('acme')).staffRecords).toBe('lead')
    expect(auth.roleRules!(lead('bolt'))).toBe(defaultRoleRules)
    expect(auth.roleRules!(lead(null))).toBe(defaultRoleRules)
  })
})
