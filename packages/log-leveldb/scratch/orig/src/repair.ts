/**
 * The recovery path when LevelDB's own files are damaged (opening fails with
 * ROTA_LOG_STORAGE_CORRUPT): LevelDB's repairer salvages every readable table, then the log
 * re-creates missing document records from the entries found, verifies every document and drops
 * damaged checkpoints (derived data). What it reports damaged is then cut by the operator
 * (`truncateAfter`), or by `truncateDamaged: true`.
 */
import { ClassicLevel } from 'classic-level'
import { LogErrorCode, RotaLogError } from '@rota/log'
import type { VerifyReport } from '@rota/log'
import { NEW_DOC_RECORD, encodeDocRecord } from './codec.ts'
import { Tag, docPrefix, documentKey, prefixBounds } from './keys.ts'
import { openLevelLog } from './level-log.ts'

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
  /** Per document, how many entries were cut (only with truncateDamaged). */
  cut: Record<string, number>
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
  try {
    await ClassicLevel.repair(dir)
  } catch (cause) {
    throw new RotaLogError(LogErrorCode.OpenFailed, `LevelDB could not repair ${dir}: ${(cause as Error).message}`, { dir, cause })
  }
  const report: RepairReport = { dir, recreated: [], docs: [], cut: {} }
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
