import { existsSync, mkdirSync } from 'node:fs'
import { userInfo } from 'node:os'
import { parseRoleRules, roleRulesView, type RoleRulesStore, type RoleRulesView } from '@rota/auth'
import { CliError, CliErrorCode } from '../errors.ts'
import { openLevelRoleRulesStore } from '../roleRulesStore.ts'
import { rulesDirOf } from './paths.ts'
import { lockedByServer, type ServerClient } from './serverClient.ts'

/** Where `rota rules` reads and writes: a running server's REST route, or the data directory itself. */
export interface RulesBackend {
  show(tenant: string): Promise<RoleRulesView>
  /** `document` is the parsed JSON of a (partial) rules document; what it leaves out takes the defaults. */
  set(tenant: string, document: unknown): Promise<RoleRulesView>
  reset(tenant: string): Promise<RoleRulesView>
}

/** Through a running server: `--url <server> --token <jwt>`; the server checks the token and `canAdmin('rules')`. */
export const remoteRules = (server: ServerClient): RulesBackend => {
  const path = (tenant: string) => `/api/teams/${encodeURIComponent(tenant)}/rules`
  return {
    show: (tenant) => server.request<RoleRulesView>('GET', path(tenant)),
    set: (tenant, document) => server.request<RoleRulesView>('PUT', path(tenant), { body: document }),
    reset: (tenant) => server.request<RoleRulesView>('DELETE', path(tenant)),
  }
}

/** The operator running a local command, recorded as the rules' `actor`. */
const localActor = (): string => {
  try {
    return `local:${userInfo().username}`
  } catch {
    return 'local'
  }
}

/** Opens the data directory's rules store for one command; a running server holds its lock. */
const withStore = async <T>(dir: string, fn: (store: RoleRulesStore) => Promise<T>): Promise<T> => {
  let store: RoleRulesStore
  try {
    store = await openLevelRoleRulesStore(dir)
  } catch (err) {
    if (err instanceof CliError && err.code === CliErrorCode.Locked) {
      throw lockedByServer(err.message)
    }
    throw err
  }
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** Straight on `<data-dir>/rules`, while no server runs there. Reading never creates the store. */
export const localRules = (dataDir: string): RulesBackend => {
  const dir = rulesDirOf(dataDir)
  const stored = (store: RoleRulesStore, tenant: string) =>
    store.get(tenant).then((entry) => entry && { ...entry, rules: parseRoleRules(entry.rules) })
  return {
    show: async (tenant) => (existsSync(dir) ? withStore(dir, async (store) => roleRulesView(tenant, await stored(store, tenant))) : roleRulesView(tenant, undefined)),
    set: async (tenant, document) => {
      const rules = parseRoleRules(document)
      mkdirSync(dataDir, { recursive: true })
      const entry = { rules, actor: localActor(), at: Date.now() }
      await withStore(dir, (store) => store.set(tenant, rules, entry))
      return roleRulesView(tenant, entry)
    },
    reset: async (tenant) => {
      if (existsSync(dir)) await withStore(dir, (store) => store.delete(tenant))
      return roleRulesView(tenant, undefined)
    },
  }
}
