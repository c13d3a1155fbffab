import { CliError, CliErrorCode, exitCodeOf } from './errors.ts'
import { parseCommandLine, resolveConfig, usage } from './config.ts'
import { runServe } from './commands/serve.ts'
import { docsCommand, exportCommand, historyCommand, restoreCommand, verifyCommand, type Output } from './commands/documents.ts'
import { repairCommand } from './commands/repair.ts'
import { tokenCommand } from './commands/token.ts'
import { teamCommand } from './commands/team.ts'
import { rulesCommand, type RulesOutput } from './commands/rules.ts'
import { webhooksCommand } from './commands/webhooks.ts'

const stdio: Output = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
}

/** Runs `rota <command> …`; resolves with the process exit code. */
export const run = async (argv: string[], io: RulesOutput = stdio, env = process.env): Promise<number> => {
  try {
    const { values, positionals } = parseCommandLine(argv)
    const [command, arg, ...extra] = positionals
    if (values.help || command === undefined || command === 'help') {
      io.out(usage())
      return command === undefined && !values.help ? exitCodeOf[CliErrorCode.Usage] : 0
    }
    // `rules`, `team` and `webhooks` take an action, a tenant (and a file, URL or id): they check their own arguments.
    if (extra.length > 0 && command !== 'rules' && command !== 'team' && command !== 'webhooks') throw new CliError(CliErrorCode.Usage, `unexpected arguments: ${extra.join(' ')}`)
    const config = resolveConfig(values, env)
    switch (command) {
      case 'serve':
        await runServe(config, values)
        return Number(process.exitCode ?? 0)
      case 'docs':
        await docsCommand(config, values, io, env)
        return 0
      case 'history':
        await historyCommand(config, values, arg, io, env)
        return 0
      case 'export':
        await exportCommand(config, values, arg, io, env)
        return 0
      case 'verify':
        await verifyCommand(config, values, arg, io, env)
        return 0
      case 'token':
        await tokenCommand(values, io, env)
        return 0
      case 'import-leveldb':
        await (await import('./commands/importLeveldb.ts')).importLeveldbCommand(config, values, io)
        return 0
      case 'migrate':
        // Loaded only here: the embedded default never loads the PostgreSQL driver.
        await (await import('./commands/migrate.ts')).migrateCommand(config, arg, io)
        return 0
      case 'repair':
        await repairCommand(config, values, io)
        return 0
      case 'restore':
        await restoreCommand(config, values, arg, io, env)
        return 0
      case 'team':
        await teamCommand(config, values, positionals.slice(1), io, env)
        return 0
      case 'rules':
        await rulesCommand(config, values, positionals.slice(1), io, env)
        return 0
      case 'webhooks':
        await webhooksCommand(config, values, positionals.slice(1), io, env)
        return 0
      default:
        throw new CliError(CliErrorCode.Usage, `unknown command "${command}" (try rota --help)`)
    }
  } catch (err) {
    const code = (err as { code?: string }).code
    io.err(`rota: ${(err as Error).message}${code === undefined ? '' : ` [${code}]`}`)
    return err instanceof CliError ? exitCodeOf[err.code] : 1
  }
}
