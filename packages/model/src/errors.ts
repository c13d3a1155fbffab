import { RotaError } from '@rota/errors'

/**
 * Every error the model throws is a `ModelError` with a stable `code`.
 * Callers (REST, auth, resolver) branch on `code`, never on the message.
 */
export const ModelErrorCode = {
  /** The path does not name anything in the schema (bad shape, unknown root or field). */
  UnknownPath: 'ROTA_MODEL_UNKNOWN_PATH',
  /** The path names a staff member or shift that does not exist (at that point of the batch). */
  NotFound: 'ROTA_MODEL_NOT_FOUND',
  /** The value has the wrong JSON type for the field (e.g. a number where a string belongs). */
  WrongType: 'ROTA_MODEL_WRONG_TYPE',
  /** The value has the right type but is not allowed (bad date/time format, negative hours, unknown weekday…). */
  InvalidValue: 'ROTA_MODEL_INVALID_VALUE',
  /** A required field is missing from a record. */
  MissingField: 'ROTA_MODEL_MISSING_FIELD',
  /** `assignee` names a staff id that does not exist. */
  MissingReference: 'ROTA_MODEL_MISSING_REFERENCE',
  /** `append` on something that is not a list. */
  NotAList: 'ROTA_MODEL_NOT_A_LIST',
  /** `delete` on a field that cannot be deleted (only records, nullable fields and list items can). */
  NotDeletable: 'ROTA_MODEL_NOT_DELETABLE',
  /** A staff/shift id that is empty, too long, contains '.', or is reserved. */
  InvalidId: 'ROTA_MODEL_INVALID_ID',
  /** A typed `add…` operation for an id that already exists. */
  DuplicateId: 'ROTA_MODEL_DUPLICATE_ID',
  /** The op itself is malformed (not an object, unknown `op`, missing `value`), or the batch is not an array. */
  InvalidOp: 'ROTA_MODEL_INVALID_OP',
  /** `fromJSON` input is not a schedule object. */
  InvalidJSON: 'ROTA_MODEL_INVALID_JSON',
  /** `describeUpdate` was given bytes that are not a Yjs (v1) update. */
  BadUpdate: 'ROTA_MODEL_BAD_UPDATE',
} as const

export type ModelErrorCode = (typeof ModelErrorCode)[keyof typeof ModelErrorCode]

export interface ModelErrorInfo {
  /** Index of the offending op in the batch given to `applyOps`/`validateOps`. */
  opIndex?: number
  /** The schema path the error is about, e.g. `shifts.s42.assignee`. */
  path?: string
  details?: Record<string, unknown>
}

export class ModelError extends RotaError<ModelErrorCode> {
  readonly opIndex: number | undefined
  readonly path: string | undefined

  constructor(code: ModelErrorCode, message: string, info: ModelErrorInfo = {}) {
    super(code, message, { details: info.details })
    this.name = 'ModelError'
    this.opIndex = info.opIndex
    this.path = info.path
  }

  /** The same error, attributed to op `opIndex` of a batch (and `path` if it had none). */
  at(opIndex: number | undefined, path?: string): ModelError {
    const prefix = opIndex === undefined ? '' : `op ${opIndex}: `
    const message = opIndex === undefined ? this.message : prefix + this.message
    return new ModelError(this.code, message, {
      opIndex,
      path: this.path ?? path,
      ...(this.details ? { details: this.details } : {}),
    })
  }
}

export const isModelError = (err: unknown): err is ModelError => err instanceof ModelError
