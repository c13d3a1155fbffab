export type {
  Origin,
  EntryMeta,
  LogEntry,
  ReadRange,
  VersionRef,
  DocSummary,
  VerifyReport,
  LogObserver,
  UpdateLog,
  StatePart,
} from './types.ts'
export { ORIGINS, SYSTEM_ROLE } from './types.ts'
export type { LogErrorDetails } from './errors.ts'
export { LogErrorCode, RotaLogError, isRotaLogError } from './errors.ts'
export {
  MAX_DOC_NAME_BYTES,
  MAX_DETAILS_BYTES,
  validateDocName,
  validateUpdate,
  updateClientIds,
  validateMeta,
  validateRange,
  validateSeq,
  validateVersionRef,
  validatePrefix,
} from './validate.ts'
export { EMPTY_STATE, applyStateParts, mergeState, mergeUpdatesTree, stateParts, storedMeta } from './state.ts'
export type { MemoryLogOptions } from './memory.ts'
export { createMemoryLog } from './memory.ts'
