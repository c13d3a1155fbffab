/**
 * Fastify compiles every route's request validation (ajv) and response serialization (fast-json-stringify)
 * while the server starts, and ajv builds its instance (formats included) before the first route: with the
 * REST API and the extensions' routes that was about a fifth of a fresh `rota serve`'s start-up CPU, for
 * routes most processes never serve (docs/operations.md, Start-up). These are fastify's own compilers
 * (the `schemaController.compilersFactory` fastify would pick itself), wrapped so that each route's schema
 * is compiled the first time the route needs it, and ajv is built the first time any route does. Nothing
 * else changes: the same compilers and options, the same 400s. One thing moves: a schema fastify cannot
 * compile fails at the route's first request (a 500, logged) instead of at start-up; schemas are static,
 * so the route's own tests find it.
 */
import ajvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler'
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler'

type Validate = ((data: unknown) => unknown) & { errors?: unknown }
type ValidatorCompiler = (route: object) => Validate
type Serializer = (doc: unknown) => string
type SerializerCompiler = (route: object) => Serializer

/** One value, made the first time it is asked for. */
const once = <T>(make: () => T): (() => T) => {
  let made: { value: T } | undefined
  return () => (made ??= { value: make() }).value
}

/** Fastify's ajv compiler, building ajv and each route's validator on the route's first request. */
export const lazyValidatorBuilder = (build: ValidatorFactory = ajvCompiler()): ValidatorFactory => {
  return ((externalSchemas: unknown, ajvOptions: unknown): ValidatorCompiler => {
    const compiler = once(() => (build as (s: unknown, o: unknown) => ValidatorCompiler)(externalSchemas, ajvOptions))
    return (route) => {
      const validator = once(() => compiler()(route))
      const validate: Validate = (data) => validator()(data)
      // fastify reads a failed validation's details from the function's `errors`, as ajv leaves them.
      Object.defineProperty(validate, 'errors', { get: () => validator().errors })
      return validate
    }
  }) as unknown as ValidatorFactory
}

/** Fastify's fast-json-stringify compiler, building each response's serializer when it is first sent. */
export const lazySerializerBuilder = (build: SerializerFactory = SerializerSelector()): SerializerFactory => {
  return ((externalSchemas: unknown, serializerOptions: unknown): SerializerCompiler => {
    const compiler = once(() => (build as (s: unknown, o: unknown) => SerializerCompiler)(externalSchemas, serializerOptions))
    return (route) => {
      const serializer = once(() => compiler()(route))
      return (doc) => serializer()(doc)
    }
  }) as unknown as SerializerFactory
}
