/**
 * `rota import-leveldb`: moves an embedded deployment's update log (`<data-dir>/log`, server stopped) into the
 * PostgreSQL log of `--log-url` (schema created by `rota migrate`), keeping every entry, its seq and its
 * metadata (who, when, origin, client ids, details), so that history, `?at=` and the resolver's and
 * publications' references to seqs mean the same afterwards. Entries go in seq order through the log's own
 * `append` (checksums and group commit as for any write), a document at a time.
 *
 * Seqs are kept by construction: PostgreSQL numbers a new document's entries 1, 2, 3… So a document is imported
 * only when its history is whole from seq 1 without holes, and only into a document the PostgreSQL log does not
 * have yet; the others are named and left out (exit 1), never imported renumbered. A history that retention
 * folded into a base, or that `truncateAfter` cut, is such a one: export it (`rota export`) instead.
 */
import { openLevelLog, type LevelLog } from '@rota/log-leveldb'
import type { LogEntry, UpdateLog } from '@rota/log'
import { CliError, CliErrorCode } from '../errors.ts'
import type { Config, ParsedValues } from '../config.ts'
import type { Output } from './documents.ts'
import { openUpdateLog, usesPostgres } from './logBackend.ts'
import { logDirOf } from './paths.ts'

/** Entries appended before waiting for their acknowledgements (the log group-commits what is in flight). */
const IN_FLIGHT = 256

type Outcome = { doc: string; entries: number } | { doc: string; skipped: string }

const importDoc = async (source: LevelLog, target: UpdateLog, doc: string): Promise<Outcome> => {
  const head = await source.head(doc)
  if (head === undefined) return { doc, skipped: 'no entries' }
  if (head.historyStartsAt !== 1) return { doc, skipped: `history starts at seq ${head.historyStartsAt} (retention folded the rest into a base)` }
  if ((await target.head(doc)) !== undefined) return { doc, skipped: 'the PostgreSQL log has this document already' }
  // Checked before anything is written, so that a document is imported whole or not at all.
  const report = await source.verify(doc)
  if (report.damaged.length > 0) return { doc, skipped: `${report.damaged.length} damaged entries (rota verify, rota repair)` }
  if (report.entries !== head.headSeq) return { doc, skipped: `${head.headSeq - report.entries} seqs up to ${head.headSeq} have no entry (cut by truncateAfter)` }
  // Seqs cut after the head are never handed out again here; PostgreSQL would number the next append head + 1.
  const next = await source.nextSeq(doc)
  if (next !== head.headSeq + 1) return { doc, skipped: `seqs ${head.headSeq + 1}–${next - 1} were cut by truncateAfter and must not be handed out again` }
  let expected = 1
  let inFlight: Array<Promise<void>> = []
  // Each acknowledgement must carry the seq the entry had: anything else stops the import at once.
  const keep = (entry: LogEntry) =>
    target.append(doc, entry.update, entry.meta).then((seq) => {
      if (seq !== entry.seq) throw new CliError(CliErrorCode.Damaged, `${doc}: PostgreSQL numbered seq ${entry.seq} as ${seq}; stopped`)
    })
  for await (const entry of source.read(doc)) {
    if (entry.seq !== expected) {
      await Promise.all(inFlight)
      // verify counted every seq before: an entry going missing since is damage found mid-way.
      throw new CliError(CliErrorCode.Damaged, `${doc}: seq ${expected} went missing during the import; seqs 1–${expected - 1} were imported`)
    }
    inFlight.push(keep(entry))
    expected++
    if (inFlight.length >= IN_FLIGHT) {
      await Promise.all(inFlight)
      inFlight = []
    }
  }
  await Promise.all(inFlight)
  return { doc, entries: expected - 1 }
}

export const importLeveldbCommand = async (config: Config, values: ParsedValues, io: Output): Promise<void> => {
  if (!usesPostgres(config)) throw new CliError(CliErrorCode.Usage, 'rota import-leveldb needs the PostgreSQL log: --log-url or ROTA_LOG_URL (run rota migrate first)')
  const source = await openLevelLog({ dir: logDirOf(config.dataDir) })
  try {
    const target = await openUpdateLog(config)
    try {
      const outcomes: Outcome[] = []
      for await (const summary of source.listDocs()) {
        const outcome = await importDoc(source, target, summary.doc)
        outcomes.push(outcome)
        if (!values.json) io.err('skipped' in outcome ? `${outcome.doc}: not imported: ${outcome.skipped}` : `${outcome.doc}: ${outcome.entries} entries`)
      }
      const imported = outcomes.filter((o) => !('skipped' in o))
      const entries = imported.reduce((sum, o) => sum + ('entries' in o ? o.entries : 0), 0)
      if (values.json) io.out(JSON.stringify(outcomes))
      else io.out(`${imported.length} documents, ${entries} entries imported; ${outcomes.length - imported.length} not imported`)
      if (imported.length < outcomes.length) throw new CliError(CliErrorCode.Damaged, `${outcomes.length - imported.length} documents not imported (see above)`)
    } finally {
      await target.close()
    }
  } finally {
    await source.close()
  }
}
