/**
 * Document names: the one definition of which names are documents and whose they are. A name is the sync
 * endpoint's URL path (`ws://host/acme%2F2026-w48` → `acme/2026-w48`, docs/protocol.md), so the rule lives with
 * the protocol: the server, auth, the resolver and every extension read names with it, and a client can check
 * one before it connects. This module only answers; each package turns a refusal into its own error code
 * (ROTA_AUTH_BAD_DOC_NAME in @rota/auth, ROTA_ERR_BAD_DOC_NAME in @rota/server).
 *
 * The update log keeps a looser check of its own (docs/log.md: non-empty, no NUL, well-formed, at most 512
 * bytes): it is the storage ceiling under any server's limit, not the naming rule.
 */

/** Longest document name, in UTF-8 bytes (the server's `limits.maxDocNameLength` by default; LevelDB keys and URLs stay reasonable). */
export const maxDocNameBytes = 255

// C0 and C1 control characters, DEL, and the backslash (a path separator on some systems).
// eslint-disable-next-line no-control-regex
const forbiddenChars = /[\u0000-\u001f\u007f-\u009f\\]/
// With the `u` flag a valid surrogate pair is one code point, so only lone halves match.
const loneSurrogate = /\p{Cs}/u
const encoder = new TextEncoder()

/**
 * Why `name` is not a document name, or undefined when it is one: `acme/2026-w48` is; `../x`, `a//b`, `/a`,
 * `a/`, `a\u0000b`, `a\\b`, a lone surrogate and names over `maxBytes` UTF-8 bytes are not. The reason is a
 * phrase that follows "document name" (`is longer than 255 bytes`), what errors carry as `details.reason`.
 */
export const docNameProblem = (name: unknown, maxBytes: number = maxDocNameBytes): string | undefined => {
  if (typeof name !== 'string') return 'is not a string'
  if (name.length === 0) return 'is empty'
  if (encoder.encode(name).length > maxBytes) return `is longer than ${maxBytes} bytes`
  // Lone surrogates do not survive UTF-8: the stored key would differ from the name asked for.
  if (loneSurrogate.test(name)) return 'is not well-formed Unicode'
  if (forbiddenChars.test(name)) return 'contains control characters or a backslash'
  if (name.startsWith('/')) return "starts with '/'"
  if (name.endsWith('/')) return "ends with '/'"
  for (const segment of name.split('/')) {
    if (segment === '') return 'has an empty segment'
    if (segment === '.' || segment === '..') return `has a '${segment}' segment`
  }
  return undefined
}

/** The same rules as a boolean. */
export const isValidDocName = (name: unknown, maxBytes: number = maxDocNameBytes): name is string =>
  docNameProblem(name, maxBytes) === undefined

/**
 * The name as one document, room and tenant check: Unicode NFC, so `café` typed on a Mac (NFD, `e` + U+0301)
 * and on Windows (NFC, `é`) are the same document whichever way a client spelled it. `normalize()` keeps lone
 * surrogates as they are, so the rules above still refuse them.
 */
export const normalizeDocName = (name: string): string => name.normalize('NFC')

/**
 * The tenant a document belongs to: its first segment (`acme/2026-w48` → `acme`); null for a name without a
 * '/', which belongs to no tenant (docs/security.md: only tenant-less tokens reach it).
 */
export const tenantOf = (doc: string): string | null => {
  const slash = doc.indexOf('/')
  return slash > 0 ? doc.slice(0, slash) : null
}

/** Longest tenant name, in UTF-8 bytes. */
export const maxTenantBytes = 64

/** A tenant is one document-name segment (no '/') of at most `maxTenantBytes`: `acme` owns `acme/…`. */
export const isValidTenant = (tenant: unknown): tenant is string =>
  typeof tenant === 'string' && !tenant.includes('/') && isValidDocName(tenant, maxTenantBytes)

/**
 * The key under which a document's per-tenant data is kept (the resolver's team model and settings, publishing's
 * inbox and settings): its tenant, or '' for a document of no tenant. '' is no tenant's name, so documents
 * without a tenant never share data with a tenant that happens to be called, say, `default`.
 */
export const tenantKeyOf = (doc: string): string => tenantOf(doc) ?? ''
