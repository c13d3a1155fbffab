import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isValidDocName, tenantOf, validateDocName } from './docName.ts'
import { AuthErrorCode } from './errors.ts'

describe('validateDocName', () => {
  it('accepts ordinary names, with tenants and unicode', () => {
    for (const name of ['w48', 'acme/2026-w48', 'acme/north/2026 w48', 'café/été', 'a.b/c..d', '...']) {
      expect(validateDocName(name)).toBe(name)
    }
  })

  it('refuses traversal, control characters, empty segments, leading slashes and overlong names', () => {
    const bad = [
      '', '..', '.', '../etc/passwd', 'acme/../beta/x', 'acme/./x', 'acme//x', '/acme/x', 'acme/x/',
      'acme\u0000/x', 'acme/x\n', 'acme/\u007f', 'acme/\u0085', 'acme\\..\\x', 'a'.repeat(256), 'é'.repeat(128), 'a\ud800b',
    ]
    for (const name of bad) {
      expect(() => validateDocName(name), JSON.stringify(name)).toThrow(expect.objectContaining({ code: AuthErrorCode.BadDocName }))
    }
    expect(validateDocName('a'.repeat(255))).toHaveLength(255)
    expect(() => validateDocName(42)).toThrow(expect.objectContaining({ code: AuthErrorCode.BadDocName }))
  })

  it('never lets a name through that could climb out of its tenant (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('acme', '..', '.', '', 'x', '\u0000', '\\', '/'), { maxLength: 6 }), (parts) => {
        const name = parts.join('/')
        if (!isValidDocName(name)) return
        expect(name.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')).toBe(true)
        expect(name.includes('\u0000') || name.includes('\\')).toBe(false)
      }),
    )
  })

  it('tenantOf is the first segment', () => {
    expect(tenantOf('acme/w48')).toBe('acme')
    expect(tenantOf('w48')).toBeNull()
  })
})
