import { errorClass } from '@rota/errors'

/** Stable error codes of @rota/resolver. Tests check `err.code`; docs/resolver.md lists every code. */
export const ResolverErrorCode = {
  /** No conflict with that id in that document. HTTP 404. */
  UnknownConflict: 'ROTA_RESOLVER_UNKNOWN_CONFLICT',
  /** The conflict offers no option with that id. HTTP 422. */
  UnknownOption: 'ROTA_RESOLVER_UNKNOWN_OPTION',
  /** The conflict was already resolved differently, dismissed, or changed under us. HTTP 409. */
  StatusConflict: 'ROTA_RESOLVER_STATUS_CONFLICT',
  /** A request or a setting has the wrong shape. HTTP 400. */
  BadInput: 'ROTA_RESOLVER_BAD_INPUT',
  /** The caller may not read or act on this document. HTTP 403. */
  Forbidden: 'ROTA_RESOLVER_FORBIDDEN',
  /** The store could not be read or written. HTTP 500. */
  Store: 'ROTA_RESOLVER_STORE',
} as const

export type ResolverErrorCode = (typeof ResolverErrorCode)[keyof typeof ResolverErrorCode]

const httpStatusOf: Record<ResolverErrorCode, number> = {
  ROTA_RESOLVER_UNKNOWN_CONFLICT: 404,
  ROTA_RESOLVER_UNKNOWN_OPTION: 422,
  ROTA_RESOLVER_STATUS_CONFLICT: 409,
  ROTA_RESOLVER_BAD_INPUT: 400,
  ROTA_RESOLVER_FORBIDDEN: 403,
  ROTA_RESOLVER_STORE: 500,
}

export class ResolverError extends errorClass('ResolverError', httpStatusOf) {}

export const isResolverError = (err: unknown): err is ResolverError => err instanceof ResolverError
