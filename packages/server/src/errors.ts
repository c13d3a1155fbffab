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
  ROTA_ERR_INTERNAL: 500,
}

export class RotaServerError extends Error {
  readonly code: ServerErrorCode
  readonly status: number
  readonly details: Record<string, unknown> | undefined

  constructor(code: ServerErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'RotaServerError'
    this.code = code
    this.status = httpStatusOf[code]
    this.details = details
  }
}

export const isRotaServerError = (err: unknown): err is RotaServerError => err instanceof RotaServerError

/** The codes the auth hooks throw (see AuthHooks.authenticate). They map to 401. */
export const authErrorCodes: ReadonlySet<string> = new Set(['ROTA_AUTH_MISSING', 'ROTA_AUTH_INVALID', 'ROTA_AUTH_EXPIRED'])

export const codeOf = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined
