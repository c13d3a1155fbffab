/**
 * The recovery path when LevelDB's own files are damaged (opening fails with
 * ROTA_LOG_STORAGE_CORRUPT): a damaged write-ahead log is rewritten with every record (and every
 * entry of a damaged record) that is intact (wal-files.ts), LevelDB's repairer salvages every
 * readable table, then the log re-creates missing document records from the entries found, checks
 * the acknowledged heads (lost.ts), verifies every document and drops damaged checkpoints (derived
 * data). What it reports lost is then cut by the operator (`truncateAfter`), or by
 * `truncateDamaged: true`; clients that hold those edits give them back (docs/log.md, "Damage to
 * LevelDB's write-ahead log").
 */
import { ClassicLevel } from 'classic-level'
import { LogErrorCode, RotaLogError } from '@rota/log'
import type { VerifyReport } from '@rota/log'
import { NEW_DOC_RECORD, encodeDocRecord } from './codec.ts'
import { Tag, docPrefix, documentKey, prefixBounds } from './keys.ts'
import { openLevelLog } from './level-log.ts'
import { salvageLogFiles } from './wal-files.ts'
import type { SalvagedLog } from './wal-files.ts'

export interface RepairOptions {
  dir: string
  /** Cut each damaged document after its last intact entry before the first damage. Default false. */
  truncateDamaged?: boolean
}

export interface RepairReport {
  dir: string
  /** Documents whose record was lost and has been re-created from their entries. */
  recreated: string[]
  /** Every document's verification after the repair (and after cutting, if asked). */
  docs: VerifyReport[]
  /** Per document, how many stored entries were cut (only with truncateDamaged). */
  cut: Record<string, number>
  /** Per damaged document, the seqs storage did not hold intact (missing or damaged) before any cut, as [from, to] ranges. */
  lost: Record<string, Array<[number, number]>>
  /** The write-ahead log files rewritten without their damaged records. */
  logs: SalvagedLog[]
}

/** [from, to] ranges of ascending seqs. */
function ranges(seqs: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (const seq of seqs) {
    const last = out.at(-1)
    if (last !== undefined && last[1] + 1 === seq) last[1] = seq
    else if (last === undefined || last[1] < seq) out.push([seq, seq])
  }
  return out
}

const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Every document that has entries, found by skipping from one name to the next. */
async function docsWithEntries(db: ClassicLevel<Uint8Array, Uint8Array>): Promise<string[]> {
  const docs: string[] = []
  const iterator = db.keys({ gte: new Uint8Array([Tag.Entry]), lt: new Uint8Array([Tag.Entry + 1]) })
  try {
    for (let key = await iterator.next(); key !== undefined; key = await iterator.next()) {
      const end = key.indexOf(0x00, 1)
      if (end < 0) continue
      const doc = fromUtf8.decode(key.slice(1, end))
      docs.push(doc)
      iterator.seek(prefixBounds(docPrefix(Tag.Entry, doc)).lt as Uint8Array<ArrayBuffer>)
    }
  } finally {
    await iterator.close()
  }
  return docs
}

export async function repairLevelLog(options: RepairOptions): Promise<RepairReport> {
  const { dir } = options
  // First, while the write-ahead log still holds what LevelDB's repairer would drop with the damage.
  const logs = await salvageLogFiles(dir)
  try {
    await ClassicLevel.repair(dir)
  } catch (cause) {
    throw new RotaLogError(LogErrorCode.OpenFailed, `LevelDB could not repair ${dir}: ${(cause as Error).message}`, { dir, cause })
  }
  const report: RepairReport = { dir, recreated: [], docs: [], cut: {}, lost: {}, logs }
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  try {
    for (const doc of await docsWithEntries(db)) {
      const key = documentKey(doc)
      if ((await db.get(key)) !== undefined) continue
      await db.put(key, encodeDocRecord(key, { ...NEW_DOC_RECORD, cuts: [] }), { sync: true })
      report.recreated.push(doc)
    }
  } finally {
    await db.close()
  }
  const log = await openLevelLog({ dir })
  try {
    const names: string[] = []
    for await (const summary of log.listDocs()) names.push(summary.doc)
    for (const doc of names) {
      let verified = await log.verify(doc)
      if ((verified.damagedCheckpoints?.length ?? 0) > 0) await log.dropCheckpoints(doc)
      const firstDamage = verified.damaged[0]
      if (firstDamage !== undefined) report.lost[doc] = ranges(verified.damaged.map((damage) => damage.seq))
      if (options.truncateDamaged === true && firstDamage !== undefined) {
        report.cut[doc] = await log.truncateAfter(doc, firstDamage.seq - 1)
        verified = await log.verify(doc)
      }
      report.docs.push(verified)
    }
  } finally {
    await log.close()
  }
  return report
}
