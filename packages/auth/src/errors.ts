import { RotaError } from '@rota/errors'

/**
 * Every error @rota/auth throws is an `AuthError` with a stable `code` and the HTTP status it maps to.
 * The server turns the first three into WebSocket close 4401 / HTTP 401 and FORBIDDEN into 4403 / 403.
 * docs/security.md lists them all; a test checks that it does.
 */
export const AuthErrorCode = {
  /** No token was presented although the server requires one. */
  Missing: 'ROTA_AUTH_MISSING',
  /** The token is malformed, its signature or algorithm is wrong, it is not yet valid, or its claims are not Rota's. */
  Invalid: 'ROTA_AUTH_INVALID',
  /** The token's `exp` has passed (beyond the clock tolerance). */
  Expired: 'ROTA_AUTH_EXPIRED',
  /** The identity may not do this (another tenant's document, a role that may not act). */
  Forbidden: 'ROTA_AUTH_FORBIDDEN',
  /** The auth configuration is unusable: unreadable key file, a short secret, two key sources at once. */
  Config: 'ROTA_AUTH_CONFIG',
  /** Open (dev) mode was asked to listen on a non-loopback address without being told it may. */
  OpenBind: 'ROTA_AUTH_OPEN_BIND',
  /** A document name with `..`, `.` or empty segments, control characters, a leading '/', or too many bytes. */
  BadDocName: 'ROTA_AUTH_BAD_DOC_NAME',
  /** A team's role rules document is not valid (unknown field, a role that cannot hold the right). */
  BadRules: 'ROTA_AUTH_BAD_RULES',
} as const

export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode]

export const httpStatusOf: Record<AuthErrorCode, number> = {
  ROTA_AUTH_MISSING: 401,
  ROTA_AUTH_INVALID: 401,
  ROTA_AUTH_EXPIRED: 401,
  ROTA_AUTH_FORBIDDEN: 403,
  ROTA_AUTH_CONFIG: 500,
  ROTA_AUTH_OPEN_BIND: 500,
  ROTA_AUTH_BAD_DOC_NAME: 400,
  ROTA_AUTH_BAD_RULES: 400,
}

export class AuthError extends RotaError<AuthErrorCode> {
  declare readonly status: number

  constructor(code: AuthErrorCode, message: string, details?: Record<string, unknown>, options: { cause?: unknown } = {}) {
    super(code, message, { status: httpStatusOf[code], details, cause: options.cause })
    this.name = 'AuthError'
  }
}

export const isAuthError = (err: unknown): err is AuthError => err instanceof AuthError
