/** Opening a LevelDB log's directory: the options checked, LevelDB's own files checked before LevelDB reads them. */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { LogErrorCode, RotaLogError, checkpointPolicy, positiveInteger } from '@rota/log'
import { DIRECTORY_FORMAT, DecodeError, checkFormat, encodeFormat } from './codec.ts'
import { openError } from './errors.ts'
import { FORMAT_KEY } from './keys.ts'
import type { Db } from './scan.ts'
import type { LevelLogOptions } from './types.ts'
import { checkLogFiles } from './wal-files.ts'

export function validateOptions(options: LevelLogOptions): void {
  if (typeof options !== 'object' || options === null || typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new RotaLogError(LogErrorCode.InvalidArgument, 'dir must be a non-empty path', { field: 'dir' })
  }
  if (options.durability !== undefined && options.durability !== 'sync' && options.durability !== 'buffered') {
    throw new RotaLogError(LogErrorCode.InvalidArgument, "durability must be 'sync' or 'buffered'", { field: 'durability' })
  }
  checkpointPolicy(options)
  positiveInteger(options.maxBatchBytes, 'maxBatchBytes')
  positiveInteger(options.cacheSize, 'cacheSize')
  positiveInteger(options.maxCachedDocs, 'maxCachedDocs')
}

/** The table files LevelDB's current version lists, with the size it expects of each. */
function expectedTables(db: Db): Map<string, number> {
  const tables = new Map<string, number>()
  for (const [, number, size] of db.getProperty('leveldb.sstables').matchAll(/(\d+):(\d+)\[/g)) {
    tables.set(String(number).padStart(6, '0'), Number(size))
  }
  return tables
}

async function tableSize(dir: string, base: string): Promise<number> {
  for (const name of [`${base}.ldb`, `${base}.sst`]) {
    try {
      return (await stat(join(dir, name))).size
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  return -1
}

/**
 * LevelDB does not read table files at open, so a truncated or missing one would only surface on
 * some later read. Compare the sizes LevelDB expects with the files on disk instead (cheap). A
 * compaction running meanwhile replaces files, so a mismatch counts only if the file is still listed.
 */
async function checkTableFiles(db: Db, dir: string): Promise<void> {
  for (const [base, size] of expectedTables(db)) {
    const actual = await tableSize(dir, base)
    if (actual === size || expectedTables(db).get(base) !== size) continue
    throw new RotaLogError(
      LogErrorCode.StorageCorrupt,
      `the LevelDB files in ${dir} are damaged (table ${base}: ${actual < 0 ? 'missing' : `${actual} of ${size} bytes`}); see "Recovery" in docs/log.md (repairLevelLog)`,
      { dir },
    )
  }
}

export async function openDb(options: LevelLogOptions): Promise<Db> {
  const { dir } = options
  // Before LevelDB replays its write-ahead log, which would drop a damaged part of it for good.
  await checkLogFiles(dir).catch((error: unknown) => {
    throw openError(dir, error)
  })
  const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
  })
  try {
    await db.open()
  } catch (error) {
    throw openError(dir, error)
  }
  try {
    await checkTableFiles(db, dir)
    const format = await db.get(FORMAT_KEY)
    if (format === undefined || checkFormat(FORMAT_KEY, format) !== DIRECTORY_FORMAT) {
      await db.put(FORMAT_KEY, encodeFormat(FORMAT_KEY), { sync: true })
    }
  } catch (error) {
    await db.close()
    if (error instanceof DecodeError) {
      throw new RotaLogError(LogErrorCode.OpenFailed, `${dir} does not hold a Rota log of a known format (${error.message})`, { dir })
    }
    throw openError(dir, error)
  }
  return db
}

