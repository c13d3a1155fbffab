import { RotaError } from '@rota/errors'

/** Errors of the `rota` command; each maps to an exit code. */
export const CliErrorCode = {
  /** Unknown command or flag, missing argument. */
  Usage: 'ROTA_CLI_USAGE',
  /** A flag or environment value that is out of range. */
  BadConfig: 'ROTA_CLI_BAD_CONFIG',
  /** `verify` found damaged entries. */
  Damaged: 'ROTA_CLI_DAMAGED',
  /** The document has no entries. */
  NotFound: 'ROTA_CLI_NOT_FOUND',
  /** A store in the data directory is held by another process (a running `rota serve`). */
  Locked: 'ROTA_CLI_LOCKED',
} as const

export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode]

export const exitCodeOf: Record<CliErrorCode, number> = {
  ROTA_CLI_USAGE: 2,
  ROTA_CLI_BAD_CONFIG: 2,
  ROTA_CLI_DAMAGED: 1,
  ROTA_CLI_NOT_FOUND: 1,
  ROTA_CLI_LOCKED: 1,
}

export class CliError extends RotaError<CliErrorCode> {
  constructor(code: CliErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { cause: options.cause })
    this.name = 'CliError'
  }
}
