/**
 * The shared compliance suite: every `RoleRulesStore` backend runs it from its own test file,
 *
 *   runRoleRulesStoreCompliance('memory', async () => ({ store: createMemoryRoleRulesStore(), cleanup: async () => {} }), { persistent: false })
 *
 * Tests that need a capability are skipped by the capability a backend declares, never by its name.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultRoleRules, parseRoleRules, type RoleRules } from './roleRules.ts'
import type { RoleRulesStore } from './roleRulesStore.ts'

export interface RoleRulesStoreCapabilities {
  /** Entries survive `reopen()` (close and open the same storage). */
  persistent: boolean
}

export interface RoleRulesStoreHandle {
  store: RoleRulesStore
  /** Closes the current store (if still open) and opens the same storage again. Needed when `persistent`. */
  reopen?: () => Promise<RoleRulesStore>
  /** Closes the store and removes whatever storage it used. */
  cleanup: () => Promise<void>
}

export type RoleRulesStoreSetup = () => Promise<RoleRulesStoreHandle>

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0)
const leadsKeepStaff: RoleRules = parseRoleRules({ staffRecords: 'lead' })
const strict: RoleRules = parseRoleRules({ shifts: 'manager', timeOff: 'manager', selfService: { pickUp: false, notes: false } })

export function runRoleRulesStoreCompliance(name: string, setup: RoleRulesStoreSetup, capabilities: RoleRulesStoreCapabilities): void {
  describe(`RoleRulesStore compliance: ${name}`, () => {
    let handle: RoleRulesStoreHandle
    let store: RoleRulesStore

    beforeEach(async () => {
      handle = await setup()
      store = handle.store
    })
    afterEach(async () => {
      await handle.cleanup()
    })

    it('knows no tenant at first', async () => {
      expect(await store.get('acme')).toBeUndefined()
      expect(await store.list()).toEqual([])
      expect(await store.delete('acme')).toBe(false)
    })

    it('returns what was set, with who set it and when; a second set replaces it', async () => {
      await store.set('acme', leadsKeepStaff, { actor: 'mia', at: T0 })
      expect(await store.get('acme')).toEqual({ rules: leadsKeepStaff, actor: 'mia', at: T0 })
      await store.set('acme', strict, { actor: 'ola', at: T0 + 1000 })
      expect(await store.get('acme')).toEqual({ rules: strict, actor: 'ola', at: T0 + 1000 })
      expect(await store.list()).toHaveLength(1)
    })

    it('keeps tenants apart, also names that prefix each other or are not ASCII', async () => {
      const tenants = ['acme', 'acme-north', 'acm', 'ærø', 'a!b']
      await Promise.all(tenants.map((tenant, i) => store.set(tenant, i % 2 === 0 ? strict : leadsKeepStaff, { actor: `u${i}`, at: T0 + i })))
      for (const [i, tenant] of tenants.entries()) {
        expect(await store.get(tenant), tenant).toEqual({ rules: i % 2 === 0 ? strict : leadsKeepStaff, actor: `u${i}`, at: T0 + i })
      }
      expect(await store.get('acm-north')).toBeUndefined()
      expect((await store.list()).map((e) => e.tenant)).toEqual([...tenants].sort())
    })

    it('lists every entry by tenant name, with its rules and meta', async () => {
      await store.set('zeta', defaultRoleRules, { actor: 'z', at: T0 })
      await store.set('alpha', strict, { actor: 'a', at: T0 + 1 })
      expect(await store.list()).toEqual([
        { tenant: 'alpha', rules: strict, actor: 'a', at: T0 + 1 },
        { tenant: 'zeta', rules: defaultRoleRules, actor: 'z', at: T0 },
      ])
    })

    it('deletes one tenant only, and says whether there was an entry', async () => {
      await store.set('acme', strict, { actor: 'mia', at: T0 })
      await store.set('bolt', strict, { actor: 'mia', at: T0 })
      expect(await store.delete('acme')).toBe(true)
      expect(await store.delete('acme')).toBe(false)
      expect(await store.get('acme')).toBeUndefined()
      expect((await store.list()).map((e) => e.tenant)).toEqual(['bolt'])
    })

    it('hands out copies: changing what went in or came out changes nothing stored', async () => {
      const rules: RoleRules = { ...strict, selfService: { ...strict.selfService } }
      await store.set('acme', rules, { actor: 'mia', at: T0 })
      rules.shifts = 'staff'
      rules.selfService.release = false
      const got = (await store.get('acme'))!
      got.rules.coverage = 'staff'
      got.rules.selfService.addTimeOff = false
      const listed = (await store.list())[0]!
      listed.rules.selfService.notes = true
      expect(await store.get('acme')).toEqual({ rules: strict, actor: 'mia', at: T0 })
    })

    it.skipIf(!capabilities.persistent)('keeps entries and deletions across a reopen', async () => {
      await store.set('acme', leadsKeepStaff, { actor: 'mia', at: T0 })
      await store.set('bolt', strict, { actor: 'ola', at: T0 + 5 })
      await store.delete('bolt')
      store = await handle.reopen!()
      expect(await store.get('acme')).toEqual({ rules: leadsKeepStaff, actor: 'mia', at: T0 })
      expect(await store.get('bolt')).toBeUndefined()
      expect(await store.list()).toEqual([{ tenant: 'acme', rules: leadsKeepStaff, actor: 'mia', at: T0 }])
    })
  })
}
