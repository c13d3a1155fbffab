/**
 * LevelDB's write-ahead log files of a directory (wal.ts reads their format): checked before LevelDB
 * opens the directory, which would drop a damaged part for good, and rewritten by the repair without
 * their damaged records, so that everything intact is kept (LevelDB's repairer, like its recovery,
 * would drop the rest of the block after each damaged record).
 */
import { mkdir, open, readFile, readdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { LogErrorCode, RotaLogError } from '@rota/log'
import { checkFormat, decodeCheckpoint, decodeDocRecord, decodeEntry, decodeRemoval } from './codec.ts'
import { Tag } from './keys.ts'
import { BATCH_HEADER, batchHeader, encodeBatch, encodeLog, logDamage, readOp, scanLog } from './wal.ts'
import type { BatchEntry } from './wal.ts'

const LOG_FILE = /^(\d+)\.log$/

async function logFiles(dir: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const number = (name: string): number => Number(LOG_FILE.exec(name)![1])
  return names.filter((name) => LOG_FILE.test(name)).sort((a, b) => number(a) - number(b))
}

/** Throws ROTA_LOG_STORAGE_CORRUPT, naming the file, at damage that is more than a torn last write. */
export async function checkLogFiles(dir: string): Promise<void> {
  for (const name of await logFiles(dir)) {
    const damage = logDamage(scanLog(await readFile(join(dir, name))))
    if (damage === undefined) continue
    throw new RotaLogError(
      LogErrorCode.StorageCorrupt,
      `the LevelDB files in ${dir} are damaged (write-ahead log ${name}: ${damage.reason} at byte ${damage.offset}); see "Recovery" in docs/log.md (repairLevelLog)`,
      { dir },
    )
  }
}

export interface SalvagedLog {
  file: string
  damage: Array<{ offset: number; reason: string }>
  /** Write batches kept (whole, or the operations of a suspect one that verify). */
  kept: number
  /** Operations of suspect batches dropped (they fail their checksum, or their batch was dropped). */
  dropped: number
}

const DECODERS: Record<number, (key: Uint8Array, value: Uint8Array) => unknown> = {
  [Tag.Entry]: decodeEntry,
  [Tag.Checkpoint]: decodeCheckpoint,
  [Tag.Document]: decodeDocRecord,
  [Tag.Removal]: decodeRemoval,
  [Tag.Meta]: checkFormat,
}

/** Whether a value passes its own checksum: every value the log writes has one, over key and value. */
function verifies(key: Uint8Array, value: Uint8Array): boolean {
  const decode = DECODERS[key[0]!]
  try {
    decode?.(key, value)
    return decode !== undefined
  } catch {
    return false
  }
}

/**
 * The puts of a suspect batch that verify. Past a damaged op the walk goes on where its length
 * says if a sound op starts there, else it looks for the next op that verifies, byte by byte (a
 * damaged length would otherwise lose the rest of the batch). Undefined when the batch deletes
 * anything (cutting, thinning checkpoints): it is dropped whole then, so that no half of it is
 * applied, as deletions carry no checksum to tell a real one from a damaged one.
 */
function soundPuts(batch: Uint8Array): BatchEntry[] | undefined {
  const sound: BatchEntry[] = []
  const soundAt = (at: number): (BatchEntry & { next: number }) | undefined => {
    const op = readOp(batch, at)
    return op !== undefined && op.value !== undefined && verifies(op.key, op.value) ? op : undefined
  }
  for (let at = BATCH_HEADER, aligned = true; at < batch.length; ) {
    const op: (BatchEntry & { next: number }) | undefined = aligned ? readOp(batch, at) : soundAt(at)
    if (op === undefined) {
      aligned = false
      at++
    } else if (op.value === undefined) {
      return undefined
    } else if (verifies(op.key, op.value)) {
      sound.push(op)
      aligned = true
      at = op.next
    } else {
      aligned = op.next === batch.length || soundAt(op.next) !== undefined
      at = aligned ? op.next : at + 1
    }
  }
  return sound
}

/** LevelDB packs a sequence number into 56 bits. */
const MAX_SEQUENCE = 2n ** 56n - 1n

/**
 * What of a suspect batch can be kept (`soundPuts`), renumbered: its sequence number may be what
 * is damaged, and LevelDB numbers batches consecutively, so it is taken from the batch before
 * (`from`: where that one ends) or after (`until`: where that one starts) when there is one.
 */
function verifiedPart(batch: Uint8Array, from: bigint | undefined, until: bigint | undefined): { kept: Uint8Array | undefined; dropped: number } {
  const count = batchHeader(batch).count
  const sound = soundPuts(batch) ?? []
  const dropped = Math.max(0, count - sound.length)
  const sequence = from ?? (until === undefined ? batchHeader(batch).sequence : until - BigInt(sound.length))
  if (sound.length === 0 || sequence < 0n || sequence + BigInt(sound.length) > MAX_SEQUENCE) return { kept: undefined, dropped: count }
  return { kept: encodeBatch(sequence, sound), dropped }
}

/** Rewrites each damaged log file with what is intact; the original is kept as lost/<name>.damaged. */
export async function salvageLogFiles(dir: string): Promise<SalvagedLog[]> {
  const salvaged: SalvagedLog[] = []
  for (const name of await logFiles(dir)) {
    const path = join(dir, name)
    const scan = scanLog(await readFile(path))
    if (logDamage(scan) === undefined) continue
    const report: SalvagedLog = { file: name, damage: scan.damage, kept: 0, dropped: 0 }
    const records: Uint8Array[] = []
    let from: bigint | undefined
    for (const [i, { data, intact }] of scan.records.entries()) {
      const next = intact ? undefined : scan.records.find((record, j) => j > i && record.intact)
      const part = intact ? { kept: data, dropped: 0 } : verifiedPart(data, from, next && batchHeader(next.data).sequence)
      report.dropped += part.dropped
      if (part.kept === undefined) continue
      records.push(part.kept)
      const { sequence, count } = batchHeader(part.kept)
      from = sequence + BigInt(count)
    }
    report.kept = records.length
    await mkdir(join(dir, 'lost'), { recursive: true })
    await rename(path, join(dir, 'lost', `${name}.damaged`))
    const file = await open(path, 'w')
    try {
      await file.writeFile(encodeLog(records))
      await file.sync()
    } finally {
      await file.close()
    }
    salvaged.push(report)
  }
  return salvaged
}
