/**
 * `rota migrate`: creates the PostgreSQL log's schema (and the resolver's tables in it), or brings it up to the version this Rota
 * expects. Servers never run DDL, so this runs once before the first `rota serve` on a new database
 * and after each upgrade. The URL comes from ROTA_LOG_URL (keeps the password out of the process
 * list), `--log-url` or the argument; the schema from `--log-schema` / ROTA_LOG_SCHEMA (default `rota`).
 */
import { migrate } from '@rota/log-postgres'
import { migrateResolverStore } from '@rota/resolver-postgres'
import { CliError, CliErrorCode } from '../errors.ts'
import type { Output } from './documents.ts'
import type { Config } from '../config.ts'

export const migrateCommand = async (config: Config, arg: string | undefined, io: Output): Promise<void> => {
  const url = arg ?? config.logUrl
  if (url === '') {
    throw new CliError(CliErrorCode.Usage, 'rota migrate needs a postgres:// URL: set ROTA_LOG_URL (or --log-url), or pass it as the argument')
  }
  const report = await migrate(url, { schema: config.logSchema })
  // The resolver's tables (conflicts, team models, leases) live beside the log's, versioned on their own.
  const resolver = await migrateResolverStore(url, { schema: config.logSchema })
  const resolverPart = resolver.from === resolver.to
    ? `resolver tables at version ${resolver.to}`
    : `resolver tables migrated from version ${resolver.from} to ${resolver.to}`
  io.out(
    report.from === report.to
      ? `schema "${report.schema}" is up to date (version ${report.to}; ${resolverPart})`
      : `schema "${report.schema}" migrated from version ${report.from} to ${report.to} (${resolverPart})`,
  )
}
