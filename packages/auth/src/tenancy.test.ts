import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { canRead, listPrefix } from './tenancy.ts'
import { compilePattern, matchesPattern } from './patterns.ts'
import type { Identity } from './types.ts'

const acme: Identity = { sub: 'u', tenant: 'acme', role: 'viewer' }
const operator: Identity = { sub: 'op', tenant: null, role: 'admin' }

describe('tenants', () => {
  it('a tenant reads its own documents only', () => {
    expect(canRead(acme, 'acme/2026-w48')).toBe(true)
    expect(canRead(acme, 'acme/team/a/w48')).toBe(true)
    for (const doc of ['beta/2026-w48', 'acme', 'acme-evil/w48', 'acmex/w48', 'w48', 'ACME/w48']) expect(canRead(acme, doc), doc).toBe(false)
  })

  it('a tenant-less identity reads everything; listing follows the tenant', () => {
    expect(canRead(operator, 'beta/x')).toBe(true)
    expect(canRead(operator, 'loose-doc')).toBe(true)
    expect(listPrefix(acme)).toBe('acme/')
    expect(listPrefix(operator)).toBeUndefined()
  })

  it('reads exactly the documents under "<tenant>/" (property)', () => {
    const segment = fc.stringMatching(/^[a-z0-9-]{1,6}$/)
    fc.assert(
      fc.property(segment, fc.array(segment, { minLength: 1, maxLength: 3 }), (tenant, parts) => {
        const doc = parts.join('/')
        const identity: Identity = { sub: 'u', tenant, role: 'lead' }
        expect(canRead(identity, doc)).toBe(parts.length > 1 && parts[0] === tenant)
        const prefix = listPrefix(identity)!
        expect(doc.startsWith(prefix)).toBe(canRead(identity, doc))
      }),
    )
  })
})

describe('docs patterns', () => {
  it('"*" stays within a segment, "**" crosses segments, the rest is literal', () => {
    expect(matchesPattern('acme/2026-*', 'acme/2026-w48')).toBe(true)
    expect(matchesPattern('acme/2026-*', 'acme/2026-w48/draft')).toBe(false)
    expect(matchesPattern('acme/**', 'acme/2026/w48')).toBe(true)
    expect(matchesPattern('acme/*/w48', 'acme/north/w48')).toBe(true)
    expect(matchesPattern('acme/w4.', 'acme/w48')).toBe(false)
    expect(matchesPattern('acme/(a|b)', 'acme/a')).toBe(false)
    expect(matchesPattern('acme/(a|b)', 'acme/(a|b)')).toBe(true)
    expect(compilePattern('a*b**c').source).toBe('^a[^/]*b.*c$')
  })

  it('narrow what a token may open, never past its tenant', () => {
    const narrowed: Identity = { ...acme, docs: ['acme/north-*', '*/shared'] }
    expect(canRead(narrowed, 'acme/north-w48')).toBe(true)
    expect(canRead(narrowed, 'acme/shared')).toBe(true)
    expect(canRead(narrowed, 'acme/south-w48')).toBe(false)
    expect(canRead(narrowed, 'beta/shared')).toBe(false)
    expect(canRead({ ...acme, docs: [] }, 'acme/north-w48')).toBe(false)
  })
})
