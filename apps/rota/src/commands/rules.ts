import { readFile } from 'node:fs/promises'
import { isValidTenant, type RoleRulesView } from '@rota/auth'
import { CliError, CliErrorCode } from '../errors.ts'
import type { Config, ParsedValues } from '../config.ts'
import type { Output } from './documents.ts'
import { localRules, remoteRules } from './rulesBackends.ts'
import { serverOf } from './serverClient.ts'

export interface RulesOutput extends Output {
  /** Where `rota rules set <tenant> -` reads the document (tests); default: all of stdin. */
  readStdin?: () => Promise<string>
}

const usage = 'usage: rota rules show|set|reset <tenant> [json-file|-] [--url <server> --token <jwt> | --data-dir <dir>]'

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

const readDocument = async (source: string | undefined, io: RulesOutput): Promise<unknown> => {
  if (source === undefined) throw new CliError(CliErrorCode.Usage, `rota rules set needs a JSON file, or - for stdin (${usage})`)
  let text: string
  try {
    text = source === '-' ? await (io.readStdin ?? readStdin)() : await readFile(source, 'utf8')
  } catch (err) {
    throw new CliError(CliErrorCode.Usage, `cannot read ${source}: ${(err as Error).message}`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new CliError(CliErrorCode.Usage, `${source === '-' ? 'stdin' : source} is not JSON: ${(err as Error).message}`)
  }
}

/**
 * The rules go to stdout as a document `rota rules set` takes back (`show > rules.json`, edit, `set`);
 * who set them goes to stderr. `--json` prints the whole answer (`isDefault`, `updatedBy`, `updatedAt`) instead.
 */
const print = (view: RoleRulesView, values: ParsedValues, io: Output): void => {
  if (values.json) {
    io.out(JSON.stringify(view))
    return
  }
  io.out(JSON.stringify(view.rules, null, 2))
  const origin = view.updatedBy === null ? 'the defaults' : `set by ${view.updatedBy} at ${view.updatedAt}${view.isDefault ? ' (same as the defaults)' : ''}`
  io.err(`${view.tenant}: ${origin}`)
}

/**
 * `rota rules show|set|reset <tenant> [file|-]`. With `--url` it goes through a running server's REST route
 * (`--token` or ROTA_TOKEN; the server holds the store's lock while it runs); otherwise it opens
 * `<data-dir>/rules` itself. Both modes validate with parseRoleRules and print the same answer.
 */
export const rulesCommand = async (config: Config, values: ParsedValues, args: string[], io: RulesOutput, env: Record<string, string | undefined> = process.env): Promise<void> => {
  const [action, tenant, source, ...extra] = args
  if (action === undefined || !['show', 'set', 'reset'].includes(action)) throw new CliError(CliErrorCode.Usage, usage)
  if (tenant === undefined) throw new CliError(CliErrorCode.Usage, `rota rules ${action} needs a tenant (${usage})`)
  if (!isValidTenant(tenant)) throw new CliError(CliErrorCode.Usage, `"${tenant}" is not a tenant name (one document-name segment, no /)`)
  if (extra.length > 0 || (action !== 'set' && source !== undefined)) {
    throw new CliError(CliErrorCode.Usage, `unexpected arguments: ${[...(action === 'set' ? [] : [source]), ...extra].join(' ')}`)
  }
  const server = serverOf(values, env)
  const backend = server === undefined ? localRules(config.dataDir) : remoteRules(server)
  const view =
    action === 'show' ? await backend.show(tenant) : action === 'set' ? await backend.set(tenant, await readDocument(source, io)) : await backend.reset(tenant)
  print(view, values, io)
}
