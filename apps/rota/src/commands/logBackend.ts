/**
 * Which update log a command opens: PostgreSQL when `--log-url` / ROTA_LOG_URL is set (several
 * instances share it; `rota migrate` creates its schema), else the embedded LevelDB log under
 * `<data-dir>/log` (one process at a time). `@rota/log-postgres` (and its driver) is loaded only when
 * asked for, so the embedded default neither loads nor needs it.
 */
import { openLevelLog } from '@rota/log-leveldb'
import type { LogObserver, UpdateLog } from '@rota/log'
import type { Config } from '../config.ts'
import { logDirOf } from './paths.ts'

export const usesPostgres = (config: Config): boolean => config.logUrl !== ''

export const openUpdateLog = async (config: Config, observer?: LogObserver): Promise<UpdateLog> => {
  if (usesPostgres(config)) {
    const { openPostgresLog } = await import('@rota/log-postgres')
    return openPostgresLog({
      url: config.logUrl,
      schema: config.logSchema,
      checkpointEvery: config.checkpointEvery,
      ...(observer === undefined ? {} : { observer }),
    })
  }
  return openLevelLog({
    dir: logDirOf(config.dataDir),
    durability: config.durability,
    checkpointEvery: config.checkpointEvery,
    ...(observer === undefined ? {} : { observer }),
  })
}
