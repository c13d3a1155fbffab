import { errorClass } from '@rota/errors'

/**
 * Stable error codes of @rota/webhooks. HTTP answers carry them in the server's error shape
 * (`{ error: { code, message, details } }`); tests check `err.code`; docs/webhooks.md lists every code.
 * What the server already names (bad request, forbidden) uses the server's own codes.
 */
export const WebhookErrorCode = {
  /** Not an absolute http(s) URL, credentials in it, or longer than 2048 characters. HTTP 400. */
  BadUrl: 'ROTA_WEBHOOK_BAD_URL',
  /** The URL names a loopback, private, link-local or otherwise internal address, and the operator did not allow them. HTTP 400. */
  PrivateAddress: 'ROTA_WEBHOOK_PRIVATE_ADDRESS',
  /** An event type that is not in the catalogue, or no event type at all. HTTP 400. */
  UnknownEvent: 'ROTA_WEBHOOK_UNKNOWN_EVENT',
  /** A secret shorter than 16 or longer than 256 characters. HTTP 400. */
  BadSecret: 'ROTA_WEBHOOK_BAD_SECRET',
  /** No endpoint with that id in that tenant. HTTP 404. */
  NotFound: 'ROTA_WEBHOOK_NOT_FOUND',
  /** The tenant has the most endpoints it may have (50). HTTP 409. */
  TooMany: 'ROTA_WEBHOOK_TOO_MANY',
  /** The webhooks store could not be opened, read or written. HTTP 500. */
  Store: 'ROTA_WEBHOOK_STORE',
} as const

export type WebhookErrorCode = (typeof WebhookErrorCode)[keyof typeof WebhookErrorCode]

export const httpStatusOf: Record<WebhookErrorCode, number> = {
  ROTA_WEBHOOK_BAD_URL: 400,
  ROTA_WEBHOOK_PRIVATE_ADDRESS: 400,
  ROTA_WEBHOOK_UNKNOWN_EVENT: 400,
  ROTA_WEBHOOK_BAD_SECRET: 400,
  ROTA_WEBHOOK_NOT_FOUND: 404,
  ROTA_WEBHOOK_TOO_MANY: 409,
  ROTA_WEBHOOK_STORE: 500,
}

export class WebhookError extends errorClass('WebhookError', httpStatusOf) {}

export const isWebhookError = (err: unknown): err is WebhookError => err instanceof WebhookError
