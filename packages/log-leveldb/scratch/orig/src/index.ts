export type { Durability, RetentionPolicy, LevelLogOptions, LevelLog } from './level-log.ts'
export { openLevelLog, DEFAULT_CHECKPOINT_EVERY, DEFAULT_CHECKPOINT_BYTES, DEFAULT_MAX_CACHED_DOCS } from './level-log.ts'
export type { RepairOptions, RepairReport } from './repair.ts'
export { repairLevelLog } from './repair.ts'
