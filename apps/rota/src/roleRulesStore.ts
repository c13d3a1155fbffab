/**
 * The durable `RoleRulesStore`: teams' role rules in their own LevelDB directory, `<data-dir>/rules`.
 *
 * Why here and not in a package: the CLI is what owns a data directory and composes its stores (the log,
 * the resolver's store, this one). @rota/auth keeps the port and the memory store and stays free of
 * storage, so anything embedding the server can bring its own backend. @rota/log-leveldb is the update
 * log's backend (append-only, with its own format, checks and repair) and would have to depend on
 * @rota/auth, which already depends on it for its tests. Own directory, like the resolver's: the log stays
 * append-only, and the rules can be backed up, inspected or reset apart from it.
 */
import { ClassicLevel } from 'classic-level'
import { byTenant, type RoleRulesStore, type StoredRoleRules } from '@rota/auth'
import { CliError, CliErrorCode } from './errors.ts'

const prefix = 'rules!'
// Every key starts with `rules!`; `"` is the character after `!`, so this bounds all of them whatever the
// tenant's characters (a `\xff` bound would leave out tenants with characters above U+00FF).
const prefixEnd = 'rules"'

const codeOf = (error: unknown): string | undefined => {
  let current: unknown = error
  let code: string | undefined
  // classic-level wraps open failures (LEVEL_DATABASE_NOT_OPEN) around the cause (LEVEL_LOCKED).
  while (typeof current === 'object' && current !== null) {
    const own = (current as { code?: unknown }).code
    if (typeof own === 'string') code = own
    current = (current as { cause?: unknown }).cause
  }
  return code
}

const decode = (dir: string, key: string, raw: string): StoredRoleRules => {
  const value = JSON.parse(raw) as Partial<StoredRoleRules> | null
  if (typeof value?.rules !== 'object' || value.rules === null || typeof value.actor !== 'string' || typeof value.at !== 'number') {
    throw new Error(`the role rules store in ${dir} holds a damaged entry ${key}`)
  }
  return { rules: value.rules, actor: value.actor, at: value.at }
}

/** Opens (or creates) the store in `dir`. A directory held by another process is ROTA_CLI_LOCKED. */
export const openLevelRoleRulesStore = async (dir: string): Promise<RoleRulesStore> => {
  const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8' })
  try {
    await db.open()
  } catch (err) {
    if (codeOf(err) === 'LEVEL_LOCKED') throw new CliError(CliErrorCode.Locked, `the role rules store in ${dir} is in use by another process`)
    throw new Error(`cannot open the role rules store in ${dir}: ${(err as Error).message}`, { cause: err })
  }
  return {
    get: async (tenant) => {
      const raw = await db.get(prefix + tenant)
      return raw === undefined ? undefined : decode(dir, prefix + tenant, raw)
    },
    // sync: the answer to a PUT says the rules are in force, so they must survive a power cut.
    set: (tenant, rules, meta) => db.put(prefix + tenant, JSON.stringify({ rules, actor: meta.actor, at: meta.at }), { sync: true }),
    delete: async (tenant) => {
      if ((await db.get(prefix + tenant)) === undefined) return false
      await db.del(prefix + tenant, { sync: true })
      return true
    },
    list: async () => {
      const entries = await db.iterator({ gte: prefix, lt: prefixEnd }).all()
      return entries.map(([key, raw]) => ({ tenant: key.slice(prefix.length), ...decode(dir, key, raw) })).sort(byTenant)
    },
    close: () => db.close(),
  }
}
