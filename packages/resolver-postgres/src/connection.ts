/**
 * How the resolver's store connects: a `pg` pool (the driver @rota/log-postgres uses, for the same
 * reasons: pure JavaScript, a promise per statement that settles after its implicit COMMIT) whose
 * sessions resolve table names in the log's schema, and every driver failure turned into
 * ROTA_RESOLVER_STORE with where it happened (never the password).
 */
import pg from 'pg'
import { ResolverError, ResolverErrorCode } from '@rota/resolver'

export interface ConnectionOptions {
  /** The schema holding the tables (the log's; created by `rota migrate`). Default `rota`. */
  schema?: string
  /** Reported as application_name in pg_stat_activity. Default `rota-resolver`. */
  applicationName?: string
}

export const DEFAULT_SCHEMA = 'rota'

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export function validateSchemaName(schema: unknown = DEFAULT_SCHEMA): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new ResolverError(ResolverErrorCode.BadInput, 'schema must be a lower-case SQL identifier (a-z, 0-9, _)', { field: 'schema' })
  }
  return schema
}

export function connectionConfig(url: string, options: ConnectionOptions): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: options.applicationName ?? 'rota-resolver',
    options: `-c search_path=${validateSchemaName(options.schema)}`,
  }
}

/** Where a URL points, without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}${parsed.port === '' ? '' : `:${parsed.port}`}${parsed.pathname}`
  } catch {
    return 'the configured PostgreSQL URL'
  }
}

export function storeError(url: string, doing: string, error: unknown): ResolverError {
  if (error instanceof ResolverError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new ResolverError(ResolverErrorCode.Store, `the resolver store at ${describeUrl(url)} failed ${doing}: ${message}`,
    { doing, pgCode: (error as { code?: unknown }).code ?? null }, { cause: error })
}
