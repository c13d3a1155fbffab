import { AuthErrorCode } from '@rota/auth'
import { RotaError, codeOf } from '@rota/errors'
import { CloseCode } from '@rota/protocol'

/**
 * Every error the server reports, with a stable code and its HTTP status. REST answers
 * `{ error: { code, message, details } }`; WebSocket closes carry a close code from
 * `@rota/protocol` and the code's message as the reason. docs/rest-api.md lists them all.
 */
export const ServerErrorCode = {
  /** The request body, params or query failed validation. */
  BadRequest: 'ROTA_ERR_BAD_REQUEST',
  /** A PATCH op failed the model's checks; `details.modelCode` is the model's code. Nothing changed. */
  InvalidOps: 'ROTA_ERR_INVALID_OPS',
  /** The document name is empty, too long, or holds control characters or `..` segments. */
  BadDocName: 'ROTA_ERR_BAD_DOC_NAME',
  /** The document has no entries (REST reads of an unknown document). */
  DocNotFound: 'ROTA_ERR_DOC_NOT_FOUND',
  /** No such route. */
  NotFound: 'ROTA_ERR_NOT_FOUND',
  /** `?at=` or a restore `seq` after the head, or a time that is not ISO-8601. */
  BadVersion: 'ROTA_ERR_BAD_VERSION',
  /** The bytes are not a Yjs v1 update. Nothing was stored. */
  BadUpdate: 'ROTA_ERR_BAD_UPDATE',
  /** Not a y-websocket message, or one that does not decode. */
  BadMessage: 'ROTA_ERR_BAD_MESSAGE',
  /** A message larger than `limits.maxMessageSize`. */
  MessageTooBig: 'ROTA_ERR_MESSAGE_TOO_BIG',
  /** An awareness message over the state size or client count limits, or one that does not decode. */
  BadAwareness: 'ROTA_ERR_BAD_AWARENESS',
  /** Messages faster than the per-connection rate limit (all messages, or awareness messages). */
  RateLimited: 'ROTA_ERR_RATE_LIMITED',
  /** Too many connections from one address, or too many awaiting authentication. */
  TooManyConnections: 'ROTA_ERR_TOO_MANY_CONNECTIONS',
  /** No token, or one that is invalid or expired (the auth hooks' codes pass through). */
  Unauthorized: 'ROTA_ERR_UNAUTHORIZED',
  /** The identity may not read this document or perform this action. */
  Forbidden: 'ROTA_ERR_FORBIDDEN',
  /** A sync reply that was not made on the state its connection declared in sync step 1 (a forged view). */
  ForgedView: 'ROTA_ERR_FORGED_VIEW',
  /** Authentication did not finish in time. */
  AuthTimeout: 'ROTA_ERR_AUTH_TIMEOUT',
  /** The server is shutting down. */
  ShuttingDown: 'ROTA_ERR_SHUTTING_DOWN',
  /** More than `limits.maxQueuedBytes` waited to be written to a connection (close 4413). */
  SlowReader: 'ROTA_ERR_SLOW_READER',
  /** The update log failed; the update is not durable. */
  LogFailed: 'ROTA_ERR_LOG_FAILED',
  /**
   * With several instances on one log: the update builds on edits the shared log holds but this instance's
   * room has not caught up with yet (the bus lags, or Redis is down). Nothing is applied; retry (close 1013).
   */
  BehindLog: 'ROTA_ERR_BEHIND_LOG',
  /** Anything unexpected. */
  Internal: 'ROTA_ERR_INTERNAL',
} as const

export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode]

export const httpStatusOf: Record<ServerErrorCode, number> = {
  ROTA_ERR_BAD_REQUEST: 400,
  ROTA_ERR_INVALID_OPS: 422,
  ROTA_ERR_BAD_DOC_NAME: 400,
  ROTA_ERR_DOC_NOT_FOUND: 404,
  ROTA_ERR_NOT_FOUND: 404,
  ROTA_ERR_BAD_VERSION: 400,
  ROTA_ERR_BAD_UPDATE: 400,
  ROTA_ERR_BAD_MESSAGE: 400,
  ROTA_ERR_MESSAGE_TOO_BIG: 413,
  ROTA_ERR_BAD_AWARENESS: 400,
  ROTA_ERR_RATE_LIMITED: 429,
  ROTA_ERR_TOO_MANY_CONNECTIONS: 429,
  ROTA_ERR_UNAUTHORIZED: 401,
  ROTA_ERR_FORGED_VIEW: 403,
  ROTA_ERR_FORBIDDEN: 403,
  ROTA_ERR_AUTH_TIMEOUT: 401,
  ROTA_ERR_SHUTTING_DOWN: 503,
  ROTA_ERR_SLOW_READER: 413,
  ROTA_ERR_LOG_FAILED: 503,
  ROTA_ERR_BEHIND_LOG: 503,
  ROTA_ERR_INTERNAL: 500,
}

/**
 * The WebSocket close code of each code when a connection is refused for it. Codes that only REST answers carry
 * (bad request, document not found…) close as an internal error should they ever reach a socket.
 */
const closeCodeTable: Record<ServerErrorCode, number> = {
  ROTA_ERR_BAD_REQUEST: CloseCode.InternalError,
  ROTA_ERR_INVALID_OPS: CloseCode.InternalError,
  ROTA_ERR_BAD_DOC_NAME: CloseCode.InternalError,
  ROTA_ERR_DOC_NOT_FOUND: CloseCode.InternalError,
  ROTA_ERR_NOT_FOUND: CloseCode.InternalError,
  ROTA_ERR_BAD_VERSION: CloseCode.InternalError,
  ROTA_ERR_BAD_UPDATE: CloseCode.PolicyViolation,
  ROTA_ERR_BAD_MESSAGE: CloseCode.ProtocolError,
  ROTA_ERR_MESSAGE_TOO_BIG: CloseCode.MessageTooBig,
  ROTA_ERR_BAD_AWARENESS: CloseCode.PolicyViolation,
  ROTA_ERR_RATE_LIMITED: CloseCode.RateLimited,
  ROTA_ERR_TOO_MANY_CONNECTIONS: CloseCode.InternalError,
  ROTA_ERR_UNAUTHORIZED: CloseCode.Unauthorized,
  ROTA_ERR_FORGED_VIEW: CloseCode.Forbidden,
  ROTA_ERR_FORBIDDEN: CloseCode.Forbidden,
  ROTA_ERR_AUTH_TIMEOUT: CloseCode.AuthTimeout,
  ROTA_ERR_SHUTTING_DOWN: CloseCode.InternalError,
  ROTA_ERR_SLOW_READER: CloseCode.SlowReader,
  ROTA_ERR_LOG_FAILED: CloseCode.InternalError,
  ROTA_ERR_BEHIND_LOG: CloseCode.TryAgainLater,
  ROTA_ERR_INTERNAL: CloseCode.InternalError,
}

export class RotaServerError extends RotaError<ServerErrorCode> {
  declare readonly status: number

  constructor(code: ServerErrorCode, message: string, details?: Record<string, unknown>, options: { cause?: unknown } = {}) {
    super(code, message, { status: httpStatusOf[code], details, cause: options.cause })
    this.name = 'RotaServerError'
  }
}

export const isRotaServerError = (err: unknown): err is RotaServerError => err instanceof RotaServerError

/** The codes the auth hooks throw when the caller is not authenticated (see AuthHooks.authenticate). They map to 401. */
export const authErrorCodes: ReadonlySet<string> = new Set<string>([AuthErrorCode.Missing, AuthErrorCode.Invalid, AuthErrorCode.Expired])

export { codeOf }

/** Which close code a refusal gets: the table's, 4401 for the auth hooks' own codes, else an internal error. */
export const closeCodeOf = (code: string): number =>
  code in closeCodeTable
    ? closeCodeTable[code as ServerErrorCode]
    : authErrorCodes.has(code)
      ? CloseCode.Unauthorized
      : CloseCode.InternalError
