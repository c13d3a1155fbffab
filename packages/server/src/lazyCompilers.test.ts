import { describe, expect, it } from 'vitest'
import ajvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler'
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import { lazySerializerBuilder, lazyValidatorBuilder } from './lazyCompilers.ts'

const route = { schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }, method: 'POST', url: '/x', httpPart: 'body' }

/** fastify's own compiler, counting how often it builds ajv and how often it compiles a schema. */
const countingValidators = () => {
  const counts = { builds: 0, compiles: 0 }
  const real = ajvCompiler()
  const build = ((schemas: unknown, options: unknown) => {
    counts.builds++
    const compile = (real as (s: unknown, o: unknown) => (r: object) => unknown)(schemas, options)
    return (r: object) => {
      counts.compiles++
      return compile(r)
    }
  }) as unknown as ValidatorFactory
  return { counts, build }
}

describe('fastify compilers that compile a route when it is first used', () => {
  it('build ajv and compile a schema only at the first validation, once, with ajv\'s answers and errors', () => {
    const { counts, build } = countingValidators()
    const factory = lazyValidatorBuilder(build) as unknown as (s: unknown, o: unknown) => (r: object) => ((d: unknown) => boolean) & { errors?: unknown }
    const compile = factory({}, { customOptions: {}, plugins: [] })
    const validate = compile(route)
    expect(counts).toEqual({ builds: 0, compiles: 0 })

    expect(validate({ n: 1 })).toBe(true)
    expect(validate({ n: 'one' })).toBe(false)
    expect(validate.errors).toEqual([expect.objectContaining({ instancePath: '/n', keyword: 'type' })])
    expect(validate({})).toBe(false)
    expect(validate.errors).toEqual([expect.objectContaining({ keyword: 'required' })])
    expect(counts).toEqual({ builds: 1, compiles: 1 })
  })

  it('compile a response serializer only when it is first used, and serialize as fast-json-stringify does', () => {
    let compiles = 0
    const real = SerializerSelector() as unknown as (s: unknown, o: unknown) => (r: object) => (doc: unknown) => string
    const build = ((schemas: unknown, options: unknown) => (r: object) => {
      compiles++
      return real(schemas, options)(r)
    }) as unknown as SerializerFactory
    const factory = lazySerializerBuilder(build) as unknown as (s: unknown, o: unknown) => (r: object) => (doc: unknown) => string
    const serialize = factory({}, {})({ schema: { type: 'object', properties: { n: { type: 'integer' } } }, method: 'GET', url: '/x', httpStatus: '200' })
    expect(compiles).toBe(0)
    expect(serialize({ n: 2, secret: 'not in the schema' })).toBe('{"n":2}')
    expect(serialize({ n: 3 })).toBe('{"n":3}')
    expect(compiles).toBe(1)
  })
})
