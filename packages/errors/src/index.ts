/**
 * Rota's one error kit. Every package keeps its own table of codes (the codes are public: clients, tests and
 * operators match on them, never on messages) and the HTTP status of each, as fastify keeps every error in
 * one table, and throws a subclass of `RotaError`, so that the shape is the same everywhere:
 *
 * - `code`: the stable string, `ROTA_<AREA>_<WHAT>`;
 * - `status`: the HTTP status the code maps to, when it has one (REST answers, extension routes);
 * - `details`: what names the failure (the document, the seq, the field), safe to put in an error body;
 * - `cause`: the ES2022 cause, for logs only (it may hold anything, and is never sent to a client).
 *
 * A package makes its class with `errorClass(name, statusTable)` (below), which gives it its own `name` and a
 * constructor that looks the status up in the package's table; a package whose errors carry fields of their own
 * (the log's `doc` and `seq`, the model's `opIndex`) extends `RotaError` directly.
 */

export interface RotaErrorOptions {
  status?: number
  details?: Record<string, unknown>
  cause?: unknown
}

export class RotaError<Code extends string = string> extends Error {
  readonly code: Code
  readonly status: number | undefined
  readonly details: Record<string, unknown> | undefined

  constructor(code: Code, message: string, options: RotaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'RotaError'
    this.code = code
    this.status = options.status
    this.details = options.details
  }
}

/** Any package's error (optionally: with this code). */
export const isRotaError = (err: unknown, code?: string): err is RotaError =>
  err instanceof RotaError && (code === undefined || err.code === code)

/**
 * The `code` of anything thrown that has a string one (a Rota error, a Node system error, a fastify error), else
 * undefined: for callers that map errors they did not create.
 */
export const codeOf = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined

/** The values of a package's code object (`{ Missing: 'ROTA_AUTH_MISSING', … }`) as a union type. */
export type CodeOf<Codes extends Record<string, string>> = Codes[keyof Codes]

export type ErrorDetails = Record<string, unknown>

/** The class `errorClass` makes: `new (code, message, details = {}, { cause })`, its status from the table. */
export interface CodedErrorClass<Code extends string, Status extends number | undefined> {
  new (code: Code, message: string, details?: ErrorDetails, options?: { cause?: unknown }): RotaError<Code> & {
    readonly status: Status
    readonly details: ErrorDetails
  }
}

/**
 * The base of a package's error class, so that the packages do not each repeat the constructor:
 * `export class CalendarError extends errorClass('CalendarError', httpStatusOf) {}` keeps its own name and
 * `instanceof`, takes `(code, message, details = {}, { cause })`, and carries `httpStatusOf[code]` as `status`.
 * Without a table (errors that never reach HTTP) `status` is undefined; the code type is then given explicitly.
 */
export function errorClass<Code extends string>(name: string, statusOf: Readonly<Record<Code, number>>): CodedErrorClass<Code, number>
export function errorClass<Code extends string>(name: string): CodedErrorClass<Code, undefined>
export function errorClass<Code extends string>(name: string, statusOf?: Readonly<Record<Code, number>>): CodedErrorClass<Code, number | undefined> {
  return class extends RotaError<Code> {
    declare readonly details: ErrorDetails

    constructor(code: Code, message: string, details: ErrorDetails = {}, options: { cause?: unknown } = {}) {
      super(code, message, { status: statusOf?.[code], details, cause: options.cause })
      this.name = name
    }
  }
}
