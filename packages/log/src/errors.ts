import { RotaError } from '@rota/errors'

/**
 * Every error the update log throws. Callers branch on `code`, never on the message.
 * The codes are listed, with what to do about each, in docs/log.md.
 */
export const LogErrorCode = {
  /** A document name, update, meta or range failed validation; nothing was written. */
  InvalidArgument: 'ROTA_LOG_INVALID_ARGUMENT',
  /** The document (or the requested entry) does not exist. */
  NotFound: 'ROTA_LOG_NOT_FOUND',
  /** A sequence number beyond the document's head was asked for. */
  OutOfRange: 'ROTA_LOG_OUT_OF_RANGE',
  /** The requested point lies before `historyStartsAt` (folded by retention or removed). */
  HistoryGone: 'ROTA_LOG_HISTORY_GONE',
  /** A stored entry fails its checksum or cannot be decoded; `doc` and `seq` name it. */
  Corrupt: 'ROTA_LOG_CORRUPT',
  /** Another process holds the data directory; `dir` names it. */
  Locked: 'ROTA_LOG_LOCKED',
  /** The storage engine's own files are damaged; `dir` names it. See docs/log.md, "Recovery". */
  StorageCorrupt: 'ROTA_LOG_STORAGE_CORRUPT',
  /** The storage could not be opened for another reason; `dir` names it. */
  OpenFailed: 'ROTA_LOG_OPEN_FAILED',
  /** A write failed; the log instance refuses further appends until it is reopened. */
  WriteFailed: 'ROTA_LOG_WRITE_FAILED',
  /** The log was closed. */
  Closed: 'ROTA_LOG_CLOSED',
} as const

export type LogErrorCode = (typeof LogErrorCode)[keyof typeof LogErrorCode]

export interface LogErrorDetails {
  doc?: string
  seq?: number
  dir?: string
  field?: string
  cause?: unknown
}

/** A log error names what failed as fields of its own (`err.doc`, `err.seq`) and, like every Rota error, in `details`. */
export class RotaLogError extends RotaError<LogErrorCode> {
  readonly doc: string | undefined
  readonly seq: number | undefined
  readonly dir: string | undefined
  readonly field: string | undefined

  constructor(code: LogErrorCode, message: string, { cause, ...named }: LogErrorDetails = {}) {
    super(code, message, { details: named, cause })
    this.name = 'RotaLogError'
    this.doc = named.doc
    this.seq = named.seq
    this.dir = named.dir
    this.field = named.field
  }
}

export const isRotaLogError = (error: unknown, code?: LogErrorCode): error is RotaLogError =>
  error instanceof RotaLogError && (code === undefined || error.code === code)
