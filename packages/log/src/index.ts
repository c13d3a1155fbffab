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
export type { MemoryLogOptions, MemoryStore } from './memory.ts'
export { createMemoryLog, createMemoryStore } from './memory.ts'
export type { CheckpointCounters, CheckpointOptions, CheckpointPolicy, RetentionPolicy } from './checkpoint-policy.ts'
export {
  CHECKPOINT_SPACING,
  CLOSE_CHECKPOINT_MIN_ENTRIES,
  DEFAULT_CHECKPOINT_BYTES,
  DEFAULT_CHECKPOINT_EVERY,
  checkpointPolicy,
  dueForCheckpoint,
  positiveInteger,
  retentionBase,
  staleCheckpoints,
} from './checkpoint-policy.ts'
export type { BuildTarget, CheckpointBuilder } from './checkpoint-builder.ts'
export { createCheckpointBuilder } from './checkpoint-builder.ts'
export type { MaintenanceQueue } from './maintenance.ts'
export { createMaintenanceQueue } from './maintenance.ts'
