import { matchesPattern } from './patterns.ts'
import type { Identity } from './types.ts'

/**
 * Tenants: a document belongs to the tenant that prefixes its name (`acme/2026-w48` is acme's).
 * An identity with a tenant sees only `<tenant>/…`; one with `tenant: null` sees every document.
 * The `docs` claim narrows that further; it can never widen it past the tenant.
 */
export const canRead = (identity: Identity, doc: string): boolean => {
  if (identity.tenant !== null && !doc.startsWith(`${identity.tenant}/`)) return false
  if (identity.docs !== undefined && !identity.docs.some((pattern) => matchesPattern(pattern, doc))) return false
  return true
}

/** The prefix a listing may show: `<tenant>/`, or undefined (everything) for a tenant-less identity. */
export const listPrefix = (identity: Identity): string | undefined =>
  identity.tenant === null ? undefined : `${identity.tenant}/`
