import { docNameProblem, maxDocNameBytes } from '@rota/protocol'
import { AuthError, AuthErrorCode } from './errors.ts'

// The rules themselves are @rota/protocol's (one definition for the server, auth, the resolver and extensions);
// auth re-exports them and adds the throwing form with its own code.
export { isValidDocName, maxDocNameBytes, tenantOf } from '@rota/protocol'

/**
 * Checks a (decoded) document name: `acme/2026-w48` is fine; `../x`, `a//b`, `/a`, `a\u0000b`, names over
 * `maxBytes` UTF-8 bytes are not. Throws ROTA_AUTH_BAD_DOC_NAME with `details.reason`; returns the name.
 */
export const validateDocName = (name: unknown, maxBytes: number = maxDocNameBytes): string => {
  const problem = docNameProblem(name, maxBytes)
  if (problem !== undefined) {
    throw new AuthError(AuthErrorCode.BadDocName, `document name ${problem}`, { reason: problem })
  }
  return name as string
}
