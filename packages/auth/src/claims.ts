import { AuthError, AuthErrorCode } from './errors.ts'
import { patternProblem } from './patterns.ts'
import { isValidTenant } from '@rota/protocol'
import { isRole, type Identity } from './types.ts'

const maxSubLength = 256
const maxDocsPatterns = 64

const invalid = (message: string, claim: string): AuthError => new AuthError(AuthErrorCode.Invalid, message, { claim })

// A tenant is one document-name segment (@rota/protocol's rule, re-exported for auth's users).
export { isValidTenant }

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= maxSubLength

/**
 * Turns a verified token payload into an Identity, or throws ROTA_AUTH_INVALID naming the bad claim.
 * `tenant` must be present: a tenant name, or null for a token that spans every tenant (an operator's).
 * A `staff` token must name its staff record in `staffId`.
 */
export const identityFromClaims = (claims: Record<string, unknown>): Identity => {
  const { sub, tenant, role, staffId, docs } = claims
  if (!isId(sub)) throw invalid(`claim "sub" must be a string of 1-${maxSubLength} characters`, 'sub')
  if (!(tenant === null || isValidTenant(tenant))) {
    throw invalid('claim "tenant" must be a tenant name (one document-name segment) or null', 'tenant')
  }
  if (!isRole(role)) throw invalid('claim "role" must be viewer, staff, lead, manager or admin', 'role')
  if (staffId !== undefined && !isId(staffId)) throw invalid('claim "staffId" must be a non-empty string', 'staffId')
  if (role === 'staff' && staffId === undefined) throw invalid('a staff token needs a "staffId" claim', 'staffId')
  if (docs !== undefined) {
    if (!Array.isArray(docs) || docs.length > maxDocsPatterns) throw invalid(`claim "docs" must be an array of at most ${maxDocsPatterns} patterns`, 'docs')
    for (const pattern of docs) {
      const problem = patternProblem(pattern)
      if (problem !== undefined) throw invalid(`claim "docs": pattern ${problem}`, 'docs')
    }
  }
  const identity: Identity = { sub, tenant, role }
  if (staffId !== undefined) identity.staffId = staffId
  if (docs !== undefined) identity.docs = Object.freeze([...(docs as string[])]) as string[]
  return Object.freeze(identity)
}
