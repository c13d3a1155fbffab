/**
 * `rota repair`: the recovery path when the server refuses to open its LevelDB store as damaged
 * (ROTA_LOG_STORAGE_CORRUPT) or `rota verify` finds damage. It salvages what is intact
 * (`repairLevelLog`: the write-ahead log's intact records, every readable table) and names, per
 * document, the acknowledged seqs that storage no longer holds. Without `--truncate-damaged` nothing is
 * cut and a document with a hole still fails to load, so that the operator decides; with it each
 * damaged document ends at its last intact entry before the first hole, and the clients that still hold
 * the lost edits (Rota providers with their offline store, any y-websocket client still open) give them
 * back when they reconnect (docs/log.md, "Damage to LevelDB's write-ahead log").
 */
import { repairLevelLog, type RepairReport } from '@rota/log-leveldb'
import { CliError, CliErrorCode } from '../errors.ts'
import type { Config, ParsedValues } from '../config.ts'
import type { Output } from './documents.ts'
import { logDirOf } from './paths.ts'

const seqRanges = (ranges: Array<[number, number]>): string =>
  ranges.map(([from, to]) => (from === to ? `${from}` : `${from}–${to}`)).join(', ')

/** The report as lines: what was rewritten, re-created, lost and cut; the verification's damage. */
const describeRepair = (report: RepairReport): string[] => {
  const lines: string[] = []
  for (const log of report.logs) {
    lines.push(`write-ahead log ${log.file}: ${log.damage.length} damaged places, ${log.kept} batches kept, ${log.dropped} operations dropped`)
  }
  for (const doc of report.recreated) lines.push(`${doc}: document record re-created from its entries`)
  for (const [doc, ranges] of Object.entries(report.lost)) lines.push(`${doc}: lost seqs ${seqRanges(ranges)}`)
  for (const [doc, count] of Object.entries(report.cut)) if (count > 0) lines.push(`${doc}: cut ${count} stored entries after its first hole`)
  for (const doc of report.docs) for (const problem of doc.damaged) lines.push(`${doc.doc} seq ${problem.seq}: ${problem.reason}`)
  return lines
}

export const repairCommand = async (config: Config, values: ParsedValues, io: Output): Promise<void> => {
  if (config.logUrl !== '') {
    throw new CliError(CliErrorCode.Usage, 'rota repair mends the embedded LevelDB log; a PostgreSQL log is mended with PostgreSQL\'s own tools (rota verify names damaged entries)')
  }
  const truncateDamaged = values['truncate-damaged'] === true
  const report = await repairLevelLog({ dir: logDirOf(config.dataDir), truncateDamaged })
  if (values.json) io.out(JSON.stringify(report))
  else for (const line of describeRepair(report)) io.err(line)
  const entries = report.docs.reduce((sum, doc) => sum + doc.entries, 0)
  const damaged = report.docs.filter((doc) => doc.damaged.length > 0).length
  const lost = Object.keys(report.lost).length
  if (!values.json) io.out(`${report.docs.length} documents, ${entries} entries; ${lost} with lost entries, ${damaged} still damaged`)
  if (damaged > 0) {
    const hint = truncateDamaged ? '' : '; run again with --truncate-damaged to cut them after their last intact entry'
    throw new CliError(CliErrorCode.Damaged, `${damaged} documents still damaged${hint}`)
  }
}
