/** Maps the driver's and PostgreSQL's errors onto the log's typed errors, naming where they came from. */
import { codeOf } from '@rota/errors'
import { LogErrorCode, RotaLogError } from '@rota/log'
import { describeUrl } from './connection.ts'

/** A PostgreSQL SQLSTATE (five characters) or a Node system error code (ECONNREFUSED). */

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

export function openError(url: string, error: unknown): RotaLogError {
  if (error instanceof RotaLogError) return error
  const where = describeUrl(url)
  const code = codeOf(error)
  let reason: string
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
      reason = `cannot reach PostgreSQL at ${where} (${code})`
      break
    case '28P01':
    case '28000':
      reason = `PostgreSQL at ${where} refused the credentials (${messageOf(error)})`
      break
    case '3D000':
      reason = `the database at ${where} does not exist (${messageOf(error)})`
      break
    default:
      reason = `cannot open the log at ${where}: ${messageOf(error)}`
  }
  return new RotaLogError(LogErrorCode.OpenFailed, reason, { cause: error })
}

/** The schema is missing or at another version than this code expects. */
export function schemaError(url: string, schema: string, found: number, expected: number): RotaLogError {
  const where = describeUrl(url)
  const reason =
    found === 0
      ? `the log's tables are missing in schema "${schema}" at ${where}: run \`rota migrate\` first`
      : `schema "${schema}" at ${where} is at version ${found}, this Rota expects ${expected}: run \`rota migrate\` with ${found < expected ? 'this' : 'a newer'} Rota`
  return new RotaLogError(LogErrorCode.OpenFailed, reason, { field: 'schema' })
}

/** A read or write on an open log failed (connection lost, server error). Nothing is acknowledged. */
export function storageError(url: string, error: unknown, doc?: string): RotaLogError {
  if (error instanceof RotaLogError) return error
  return new RotaLogError(LogErrorCode.WriteFailed, `PostgreSQL at ${describeUrl(url)} failed: ${messageOf(error)}`, {
    cause: error,
    ...(doc === undefined ? {} : { doc }),
  })
}
