/**
 * `rota team get|set <tenant>`: a team's settings in one place — the resolver's threshold and the conflict
 * kinds it always asks about, with the team's role rules beside them (changed with `rota rules`). With `--url`
 * through a running server (`/api/teams/:team/resolver-settings`, manager and up of that team), otherwise on
 * the data directory's resolver store while the server is stopped. Both validate with the resolver's own
 * `validateSettingsPatch` and print the same JSON.
 */
import { isValidTenant } from '@rota/auth'
import { defaultTeamSettings, newTeamModel, openLevelStore, validateSettingsPatch, type ResolverStore, type TeamSettings } from '@rota/resolver'
import { CliError, CliErrorCode } from '../errors.ts'
import type { Config, ParsedValues } from '../config.ts'
import type { Output } from './documents.ts'
import { localRules, remoteRules } from './rulesBackends.ts'
import { resolverDirOf } from './paths.ts'
import { lockedByServer, serverOf, type ServerClient } from './serverClient.ts'

const usage = 'usage: rota team get|set <tenant> [--threshold 0..1] [--always-ask kind,kind] [--url <server> --token <jwt> | --data-dir <dir>]'

interface SettingsBackend {
  get(team: string): Promise<TeamSettings>
  set(team: string, patch: Partial<TeamSettings>): Promise<TeamSettings>
}

const remoteSettings = (server: ServerClient): SettingsBackend => {
  const path = (team: string) => `/api/teams/${encodeURIComponent(team)}/resolver-settings`
  const strip = ({ threshold, alwaysAsk }: TeamSettings & { team?: string }): TeamSettings => ({ threshold, alwaysAsk })
  return {
    get: async (team) => strip(await server.request<TeamSettings>('GET', path(team))),
    set: async (team, patch) => strip(await server.request<TeamSettings>('PUT', path(team), { body: patch })),
  }
}

const withStore = async <T>(dir: string, fn: (store: ResolverStore) => Promise<T>): Promise<T> => {
  let store: ResolverStore
  try {
    store = await openLevelStore(dir)
  } catch (err) {
    if ((err as { details?: { locked?: boolean } }).details?.locked !== true) throw err
    throw lockedByServer((err as Error).message)
  }
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

const localSettings = (dataDir: string): SettingsBackend => {
  const dir = resolverDirOf(dataDir)
  return {
    get: (team) => withStore(dir, async (store) => (await store.getTeam(team))?.settings ?? defaultTeamSettings),
    set: (team, patch) =>
      withStore(dir, async (store) => {
        const state = await store.getTeam(team)
        const settings = { ...(state?.settings ?? defaultTeamSettings), ...patch }
        await store.putTeam(team, { model: state?.model ?? newTeamModel(), settings })
        return settings
      }),
  }
}

/** The patch of `rota team set`'s flags, validated as the server validates a PUT body. */
const patchOf = (values: ParsedValues): Partial<TeamSettings> => {
  const patch: Record<string, unknown> = {}
  if (values.threshold !== undefined) {
    if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(values.threshold)) throw new CliError(CliErrorCode.Usage, '--threshold must be a number from 0 to 1')
    patch.threshold = Number(values.threshold)
  }
  if (values['always-ask'] !== undefined) patch.alwaysAsk = values['always-ask'].split(',').map((kind) => kind.trim()).filter((kind) => kind !== '')
  if (Object.keys(patch).length === 0) throw new CliError(CliErrorCode.Usage, `rota team set changes nothing without --threshold or --always-ask (${usage})`)
  try {
    return validateSettingsPatch(patch)
  } catch (err) {
    throw new CliError(CliErrorCode.Usage, (err as Error).message)
  }
}

export const teamCommand = async (config: Config, values: ParsedValues, args: string[], io: Output, env: Record<string, string | undefined> = process.env): Promise<void> => {
  const [action, team, ...extra] = args
  if ((action !== 'get' && action !== 'set') || team === undefined || extra.length > 0) throw new CliError(CliErrorCode.Usage, usage)
  if (!isValidTenant(team)) throw new CliError(CliErrorCode.Usage, `"${team}" is not a tenant name (one document-name segment, no /)`)
  const server = serverOf(values, env)
  const settings = server === undefined ? localSettings(config.dataDir) : remoteSettings(server)
  const resolver = action === 'get' ? await settings.get(team) : await settings.set(team, patchOf(values))
  const rules = (await (server === undefined ? localRules(config.dataDir) : remoteRules(server)).show(team)).rules
  io.out(JSON.stringify({ team, resolver, rules }, null, 2))
}
