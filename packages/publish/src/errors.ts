import { errorClass } from '@rota/errors'

/**
 * Stable error codes of @rota/publish. HTTP answers carry them in the server's error shape
 * (`{ error: { code, message, details } }`); tests check `err.code`; docs/publishing.md lists every code.
 * What the server already names (bad request, forbidden, unknown document) uses the server's own codes.
 */
export const PublishErrorCode = {
  /** A date range that is not two 'YYYY-MM-DD' dates in order, or longer than the limit. HTTP 400. */
  BadRange: 'ROTA_PUBLISH_BAD_RANGE',
  /** Publishing with open conflicts in the range needs `confirm: true`. HTTP 409. */
  NeedsConfirmation: 'ROTA_PUBLISH_NEEDS_CONFIRMATION',
  /** A `seq` after the document's head, or before its latest publication. HTTP 409. */
  StaleSeq: 'ROTA_PUBLISH_STALE_SEQ',
  /** No publication (or inbox item) with that id. HTTP 404. */
  NotFound: 'ROTA_PUBLISH_NOT_FOUND',
  /** The identity is not a person of the schedule (no `staffId` claim) where one is needed. HTTP 403. */
  NotStaff: 'ROTA_PUBLISH_NOT_STAFF',
  /** The publish store could not be opened, read or written. HTTP 500. */
  Store: 'ROTA_PUBLISH_STORE',
} as const

export type PublishErrorCode = (typeof PublishErrorCode)[keyof typeof PublishErrorCode]

export const httpStatusOf: Record<PublishErrorCode, number> = {
  ROTA_PUBLISH_BAD_RANGE: 400,
  ROTA_PUBLISH_NEEDS_CONFIRMATION: 409,
  ROTA_PUBLISH_STALE_SEQ: 409,
  ROTA_PUBLISH_NOT_FOUND: 404,
  ROTA_PUBLISH_NOT_STAFF: 403,
  ROTA_PUBLISH_STORE: 500,
}

export class PublishError extends errorClass('PublishError', httpStatusOf) {}

export const isPublishError = (err: unknown): err is PublishError => err instanceof PublishError
