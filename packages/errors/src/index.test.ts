import { describe, expect, it } from 'vitest'
import { codeOf, isRotaError, RotaError } from './index.ts'

class ExampleError extends RotaError<'ROTA_EXAMPLE_BAD' | 'ROTA_EXAMPLE_GONE'> {
  constructor(code: 'ROTA_EXAMPLE_BAD' | 'ROTA_EXAMPLE_GONE', message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { status: code === 'ROTA_EXAMPLE_BAD' ? 400 : 404, details, cause })
    this.name = 'ExampleError'
  }
}

describe('RotaError', () => {
  it('carries code, status, details and the ES cause, and keeps its subclass', () => {
    const root = new Error('disk full')
    const err = new ExampleError('ROTA_EXAMPLE_BAD', 'no', { doc: 'a/b' }, root)
    expect(err).toBeInstanceOf(ExampleError)
    expect(err).toBeInstanceOf(RotaError)
    expect(err).toBeInstanceOf(Error)
    expect({ name: err.name, code: err.code, status: err.status, details: err.details, message: err.message }).toEqual({
      name: 'ExampleError', code: 'ROTA_EXAMPLE_BAD', status: 400, details: { doc: 'a/b' }, message: 'no',
    })
    expect(err.cause).toBe(root)
    expect(String(err)).toBe('ExampleError: no')
  })

  it('has no cause property when none is given', () => {
    expect('cause' in new ExampleError('ROTA_EXAMPLE_GONE', 'gone')).toBe(false)
  })

  it('isRotaError tells Rota errors and their codes from anything else', () => {
    const err = new ExampleError('ROTA_EXAMPLE_GONE', 'gone')
    expect(isRotaError(err)).toBe(true)
    expect(isRotaError(err, 'ROTA_EXAMPLE_GONE')).toBe(true)
    expect(isRotaError(err, 'ROTA_EXAMPLE_BAD')).toBe(false)
    expect(isRotaError(Object.assign(new Error('x'), { code: 'ROTA_EXAMPLE_GONE' }))).toBe(false)
    expect(isRotaError('ROTA_EXAMPLE_GONE')).toBe(false)
  })

  it('codeOf reads a string code from anything thrown', () => {
    expect(codeOf(new ExampleError('ROTA_EXAMPLE_BAD', 'no'))).toBe('ROTA_EXAMPLE_BAD')
    expect(codeOf(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('ENOENT')
    expect(codeOf({ code: 42 })).toBeUndefined()
    expect(codeOf(null)).toBeUndefined()
    expect(codeOf('ENOENT')).toBeUndefined()
  })
})
