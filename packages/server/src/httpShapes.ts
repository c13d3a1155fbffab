/**
 * The shapes every HTTP route of the server and of its extensions shares: the error body and its schema, and
 * the `:doc` path parameter. One module with no imports, so the REST plugin, the server and the extension kit
 * (extensionHttp.ts) take them from here without importing each other.
 */

/** The body of every HTTP error: `{ error: { code, message, details } }`. */
export const errorBody = (code: string, message: string, details?: unknown) => ({
  error: { code, message, details: details ?? {} },
})

/** The JSON schema of `{ error: { code, message, details } }`, for every route's error responses (extensions too). */
export const errorResponse = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
      required: ['code', 'message', 'details'],
    },
  },
  required: ['error'],
} as const

/** The `:doc` path parameter: a document name URL-encoded into one segment. */
export const docParam = {
  type: 'string',
  minLength: 1,
  description: 'Document name, URL-encoded into one segment (acme%2F2026-w48)',
} as const

/** Path parameters of a route under `/api/docs/:doc/…`. */
export const docParams = { type: 'object', properties: { doc: docParam }, required: ['doc'] } as const
