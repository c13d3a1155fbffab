import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { AuthError, AuthErrorCode, httpStatusOf, isAuthError } from './errors.ts'

describe('errors', () => {
  it('carry a stable code, its HTTP status and details', () => {
    const err = new AuthError(AuthErrorCode.Expired, 'the token has expired', { reason: 'ERR_JWT_EXPIRED' })
    expect(err).toMatchObject({ code: 'ROTA_AUTH_EXPIRED', status: 401, details: { reason: 'ERR_JWT_EXPIRED' }, name: 'AuthError' })
    expect(isAuthError(err)).toBe(true)
    expect(isAuthError(new Error('x'))).toBe(false)
  })

  it('every code has a status and is documented in docs/security.md', async () => {
    const page = await readFile(new URL('../../../docs/security.md', import.meta.url), 'utf8')
    for (const code of Object.values(AuthErrorCode)) {
      expect(httpStatusOf[code], code).toBeGreaterThanOrEqual(400)
      expect(page, code).toContain(`\`${code}\``)
    }
  })
})
