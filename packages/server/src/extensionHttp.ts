/**
 * The server's HTTP plumbing, handed to every extension as `ExtensionContext.http`, so that an extension's
 * routes read callers, document names and errors exactly as the server's own routes do: the identity from the
 * same bearer or `?token=` (requestIdentity.ts), the name with the same rules and the same configured limit as
 * the sync endpoint and REST (`limits.maxDocNameLength`, docName.ts), and errors in the same shape. Before it,
 * the resolver carried copies of each, and accepted 512-byte names the sync endpoint refuses.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isRotaError, type RotaError } from '@rota/errors'
import { parseDocName, type DocName } from './docName.ts'
import { RotaServerError, ServerErrorCode, authErrorCodes } from './errors.ts'
import { authenticateRequests } from './requestIdentity.ts'
import { errorBody } from './httpShapes.ts'
import type { Limits, ServerHooks } from './types.ts'

export interface ExtensionErrorOptions {
  /** The extension's own errors (its `errorClass`): answered with their status, code and details. */
  isOwn(err: unknown): err is RotaError
  /**
   * The code for requests fastify refuses before a handler runs (schema validation, a body that is not JSON
   * or pollutes prototypes, a content type no parser takes) when the extension documents its own, such as
   * ROTA_RESOLVER_BAD_INPUT. Without it they get the server's ROTA_ERR_BAD_REQUEST.
   */
  badInput?: string
}

export interface ExtensionHttp {
  /** The server's limits, resolved (defaults filled in). */
  readonly limits: Limits
  /**
   * Authenticates every request of `app` (the extension's plugin, or a scope of it) with the auth hooks into
   * `request.identity`. Auth errors answer 401 with the hooks' code.
   */
  authenticate(app: FastifyInstance): void
  /**
   * The request's document name (the `:doc` parameter, or `param`), read as the sync endpoint reads names:
   * NFC, the same rules, at most `limits.maxDocNameLength` bytes. Throws 400 ROTA_ERR_BAD_DOC_NAME.
   */
  docName(request: FastifyRequest, param?: string): DocName
  /**
   * `docName`, if `request.identity` may read it (`hooks.canRead`); otherwise throws `forbidden(doc)`, by default
   * 403 ROTA_ERR_FORBIDDEN. Needs `authenticate` on the route's scope.
   */
  readableDoc(request: FastifyRequest, forbidden?: (doc: DocName) => Error): DocName
  /**
   * Answers errors in the server's shape on `app`'s routes: the extension's own, then (with `badInput`) fastify's
   * refusals of the request, then any other package's error that carries a 4xx status; everything else goes on
   * to the server's handler (auth errors 401, 5xx, 500 for the unexpected).
   */
  handleErrors(app: FastifyInstance, options: ExtensionErrorOptions): void
}

const forbiddenToRead = (doc: DocName): Error =>
  new RotaServerError(ServerErrorCode.Forbidden, 'not allowed to read this document', { doc })

/** A refusal fastify made of the request itself (its 4xx), not an error of a handler. */
const isRequestRefusal = (err: FastifyError): boolean =>
  err.validation !== undefined || (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)

export const createExtensionHttp = (hooks: ServerHooks, limits: Limits): ExtensionHttp => {
  const docName = (request: FastifyRequest, param = 'doc'): DocName =>
    parseDocName(String((request.params as Record<string, unknown> | undefined)?.[param] ?? ''), limits.maxDocNameLength)
  return {
    limits,
    authenticate: (app) => authenticateRequests(app, hooks),
    docName,
    readableDoc(request, forbidden = forbiddenToRead) {
      const doc = docName(request)
      if (!hooks.canRead(request.identity, doc)) throw forbidden(doc)
      return doc
    },
    handleErrors(app, { isOwn, badInput }) {
      app.setErrorHandler((err: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
        if (isOwn(err) && err.status !== undefined) return reply.code(err.status).send(errorBody(err.code, err.message, err.details))
        if (badInput !== undefined && isRequestRefusal(err)) {
          const details = err.validation ? { validation: err.validation } : { fastify: err.code }
          return reply.code(err.validation ? 400 : (err.statusCode as number)).send(errorBody(badInput, err.message, details))
        }
        // Another package's client error with a status of its own (the server's ROTA_ERR_BAD_DOC_NAME, …). Auth
        // errors (401 without details) and 5xx (logged) are the server handler's.
        if (isRotaError(err) && err.status !== undefined && err.status < 500 && !authErrorCodes.has(err.code)) {
          return reply.code(err.status).send(errorBody(err.code, err.message, err.details))
        }
        throw err
      })
    },
  }
}
