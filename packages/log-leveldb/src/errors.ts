/** Maps classic-level's errors onto the log's typed errors, naming the data directory. */
import { codeOf } from '@rota/errors'
import { LogErrorCode, RotaLogError } from '@rota/log'


/** The innermost storage code: classic-level wraps open failures in LEVEL_DATABASE_NOT_OPEN. */
function storageCode(error: unknown): string | undefined {
  let current: unknown = error
  let code = codeOf(current)
  while (typeof current === 'object' && current !== null && 'cause' in current && (current as { cause: unknown }).cause !== undefined) {
    current = (current as { cause: unknown }).cause
    code = codeOf(current) ?? code
  }
  return code
}

export function openError(dir: string, error: unknown): RotaLogError {
  if (error instanceof RotaLogError) return error
  switch (storageCode(error)) {
    case 'LEVEL_LOCKED':
      return new RotaLogError(LogErrorCode.Locked, `the log in ${dir} is in use by another process`, { dir, cause: error })
    case 'LEVEL_CORRUPTION':
      return new RotaLogError(
        LogErrorCode.StorageCorrupt,
        `the LevelDB files in ${dir} are damaged; see "Recovery" in docs/log.md (repairLevelLog)`,
        { dir, cause: error },
      )
    default:
      return new RotaLogError(LogErrorCode.OpenFailed, `cannot open the log in ${dir}: ${(error as Error).message}`, { dir, cause: error })
  }
}

/** A failure of a read or write on an open database. */
export function storageError(dir: string, error: unknown, doc?: string): RotaLogError {
  if (error instanceof RotaLogError) return error
  if (storageCode(error) === 'LEVEL_CORRUPTION') {
    return new RotaLogError(
      LogErrorCode.StorageCorrupt,
      `the LevelDB files in ${dir} are damaged; see "Recovery" in docs/log.md (repairLevelLog)`,
      { dir, cause: error, ...(doc === undefined ? {} : { doc }) },
    )
  }
  return new RotaLogError(LogErrorCode.WriteFailed, `storage failure in ${dir}: ${(error as Error).message}`, {
    dir,
    cause: error,
    ...(doc === undefined ? {} : { doc }),
  })
}
