import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { docNameProblem, isValidDocName, isValidTenant, maxDocNameBytes, normalizeDocName, tenantKeyOf, tenantOf } from './docName.ts'

/** The rule as @rota/auth wrote it before it moved here (Node's Buffer), to show the move changed no answer. */
const bufferReference = (name: string, maxBytes: number): boolean => {
  if (name.length === 0 || Buffer.byteLength(name) > maxBytes) return false
  if (Buffer.from(name).toString() !== name) return false
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(name) || name.startsWith('/') || name.endsWith('/')) return false
  return name.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
}

describe('document names', () => {
  it('accepts ordinary names, with tenants and unicode, up to 255 UTF-8 bytes', () => {
    for (const name of ['w48', 'acme/2026-w48', 'acme/north/2026 w48', 'café/été', 'a.b/c..d', '...', 'a'.repeat(255), `acme/${'é'.repeat(125)}`]) {
      expect(docNameProblem(name), name).toBeUndefined()
    }
    expect(maxDocNameBytes).toBe(255)
  })

  it('says why a name is refused', () => {
    expect(docNameProblem('a'.repeat(256))).toBe('is longer than 255 bytes')
    expect(docNameProblem('é'.repeat(128))).toBe('is longer than 255 bytes')
    expect(docNameProblem('a'.repeat(300), 512)).toBeUndefined()
    expect(docNameProblem('')).toBe('is empty')
    expect(docNameProblem(42)).toBe('is not a string')
    expect(docNameProblem('a\ud800b')).toBe('is not well-formed Unicode')
    expect(docNameProblem('a\\b')).toBe('contains control characters or a backslash')
    expect(docNameProblem('a\u0085b')).toBe('contains control characters or a backslash')
    expect(docNameProblem('/a')).toBe("starts with '/'")
    expect(docNameProblem('a/')).toBe("ends with '/'")
    expect(docNameProblem('a//b')).toBe('has an empty segment')
    expect(docNameProblem('acme/../x')).toBe("has a '..' segment")
  })

  it('answers as the Buffer-based rule did, for any string and limit (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 16 }), fc.integer({ min: 1, max: 40 }), (name, maxBytes) => {
        expect(isValidDocName(name, maxBytes)).toBe(bufferReference(name, maxBytes))
      }),
      { numRuns: 3000 },
    )
  })

  it('normalises to NFC and keeps lone surrogates (so they are still refused)', () => {
    expect(normalizeDocName('acme/cafe\u0301')).toBe('acme/caf\u00e9')
    expect(isValidDocName(normalizeDocName('a\ud800b'))).toBe(false)
  })
})

describe('tenants', () => {
  it('a document belongs to its first segment; a name without a slash to no tenant', () => {
    expect(tenantOf('acme/w48')).toBe('acme')
    expect(tenantOf('acme/north/w48')).toBe('acme')
    expect(tenantOf('w48')).toBeNull()
    expect(tenantKeyOf('acme/w48')).toBe('acme')
    // Not 'default' (the resolver's old team for these), which a real tenant may be called.
    expect(tenantKeyOf('w48')).toBe('')
    expect(tenantKeyOf('default/w48')).toBe('default')
  })

  it('a tenant name is one valid segment of at most 64 bytes', () => {
    for (const good of ['acme', 'default', 'a'.repeat(64)]) expect(isValidTenant(good), good).toBe(true)
    for (const bad of ['', 'a/b', '..', 'a'.repeat(65), 'a\u0000', 42, null]) expect(isValidTenant(bad), String(bad)).toBe(false)
    // Every valid tenant's key is itself, so no tenant's key is the key of documents without one.
    fc.assert(fc.property(fc.string({ maxLength: 10 }), (tenant) => {
      if (isValidTenant(tenant)) expect(tenantKeyOf(`${tenant}/x`)).toBe(tenant)
      expect(isValidTenant('')).toBe(false)
    }))
  })
})
