import { describe, expect, it } from 'vitest'
import { codeOf, errorClass, isRotaError, RotaError } from './index.ts'

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

describe('errorClass', () => {
  const statusOf = { ROTA_EXAMPLE_BAD: 400, ROTA_EXAMPLE_GONE: 404 } as const
  class TableError extends errorClass('TableError', statusOf) {}
  class PlainError extends errorClass<'ROTA_PLAIN_BAD'>('PlainError') {}

  it('makes a class with its own name and instanceof, the status from the table, details defaulting to {}', () => {
    const root = new Error('disk full')
    const err = new TableError('ROTA_EXAMPLE_GONE', 'gone', { doc: 'a/b' }, { cause: root })
    expect(err).toBeInstanceOf(TableError)
    expect(err).toBeInstanceOf(RotaError)
    expect(err).not.toBeInstanceOf(PlainError)
    expect({ name: err.name, code: err.code, status: err.status, details: err.details, message: err.message }).toEqual({
      name: 'TableError', code: 'ROTA_EXAMPLE_GONE', status: 404, details: { doc: 'a/b' }, message: 'gone',
    })
    expect(err.cause).toBe(root)
    expect(String(err)).toBe('TableError: gone')
    const bare = new TableError('ROTA_EXAMPLE_BAD', 'no')
    expect({ status: bare.status, details: bare.details, hasCause: 'cause' in bare }).toEqual({ status: 400, details: {}, hasCause: false })
  })

  it('without a table, has no status', () => {
    const err = new PlainError('ROTA_PLAIN_BAD', 'bad')
    expect({ name: err.name, status: err.status, details: err.details }).toEqual({ name: 'PlainError', status: undefined, details: {} })
    expect(isRotaError(err, 'ROTA_PLAIN_BAD')).toBe(true)
  })
})
