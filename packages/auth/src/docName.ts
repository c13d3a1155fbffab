import { AuthError, AuthErrorCode } from './errors.ts'

/** Longest document name, in UTF-8 bytes (LevelDB keys and URLs stay reasonable). */
export const maxDocNameBytes = 255

// C0 and C1 control characters, DEL, and the backslash (a path separator on some systems).
// eslint-disable-next-line no-control-regex
const forbiddenChars = /[\u0000-\u001f\u007f-\u009f\\]/

const problemOf = (name: unknown, maxBytes: number): string | undefined => {
  if (typeof name !== 'string') return 'is not a string'
  if (name.length === 0) return 'is empty'
  if (Buffer.byteLength(name) > maxBytes) return `is longer than ${maxBytes} bytes`
  // Lone surrogates do not survive UTF-8: the stored key would differ from the name asked for.
  if (Buffer.from(name).toString() !== name) return 'is not well-formed Unicode'
  if (forbiddenChars.test(name)) return 'contains control characters or a backslash'
  if (name.startsWith('/')) return "starts with '/'"
  if (name.endsWith('/')) return "ends with '/'"
  for (const segment of name.split('/')) {
    if (segment === '') return 'has an empty segment'
    if (segment === '.' || segment === '..') return `has a '${segment}' segment`
  }
  return undefined
}

/**
 * Checks a (decoded) document name: `acme/2026-w48` is fine; `../x`, `a//b`, `/a`, `a\u0000b`, names over
 * `maxBytes` UTF-8 bytes are not. Throws ROTA_AUTH_BAD_DOC_NAME with `details.reason`; returns the name.
 */
export const validateDocName = (name: unknown, maxBytes: number = maxDocNameBytes): string => {
  const problem = problemOf(name, maxBytes)
  if (problem !== undefined) {
    throw new AuthError(AuthErrorCode.BadDocName, `document name ${problem}`, { reason: problem })
  }
  return name as string
}

/** The same rules as a boolean. */
export const isValidDocName = (name: unknown, maxBytes: number = maxDocNameBytes): name is string =>
  problemOf(name, maxBytes) === undefined

/** The tenant a document belongs to: its first segment (`acme/2026-w48` → `acme`); null without a '/'. */
export const tenantOf = (doc: string): string | null => {
  const slash = doc.indexOf('/')
  return slash > 0 ? doc.slice(0, slash) : null
}
