import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ModelError, ModelErrorCode, isModelError } from './errors.ts'

describe('ModelError', () => {
  it('carries code, opIndex, path; at() attributes it to an op', () => {
    const err = new ModelError(ModelErrorCode.WrongType, 'x: expected a string', { path: 'shifts.s1.notes' })
    expect(err).toBeInstanceOf(Error)
    expect(isModelError(err)).toBe(true)
    expect(err.opIndex).toBeUndefined()
    const attributed = err.at(3, 'ignored')
    expect(attributed).toMatchObject({ code: ModelErrorCode.WrongType, opIndex: 3, path: 'shifts.s1.notes', name: 'ModelError' })
    expect(new ModelError(ModelErrorCode.NotFound, 'gone').at(0, 'staff.x').path).toBe('staff.x')
  })

  it('every code is stable, prefixed, unique and documented in docs/schema.md', () => {
    const docs = readFileSync(new URL('../../../docs/schema.md', import.meta.url), 'utf8')
    const codes = Object.values(ModelErrorCode)
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) {
      expect(code).toMatch(/^ROTA_MODEL_[A-Z_]+$/)
      expect(docs, `${code} missing from docs/schema.md`).toContain(`\`${code}\``)
    }
  })
})
