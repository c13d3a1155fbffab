import * as Y from 'yjs'
import { openLevelLog, type LevelLog } from '@rota/log-leveldb'
import type { DocSummary, VersionRef } from '@rota/log'
import { toJSON } from '@rota/model'
import { parseVersionRef, readHistory } from '@rota/server'
import { CliError, CliErrorCode } from '../errors.ts'
import { createProgress } from '../progress.ts'
import type { Config, ParsedValues } from '../config.ts'
import { logDirOf } from './serve.ts'

export interface Output {
  out: (line: string) => void
  err: (line: string) => void
}

/** Opens the data dir's log for a one-off command. LevelDB allows one process: stop the server first. */
export const withLog = async <T>(config: Config, fn: (log: LevelLog) => Promise<T>): Promise<T> => {
  const log = await openLevelLog({ dir: logDirOf(config.dataDir) })
  try {
    return await fn(log)
  } finally {
    await log.close()
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

export const docsCommand = (config: Config, values: ParsedValues, io: Output) =>
  withLog(config, async (log) => {
    const docs: DocSummary[] = []
    for await (const summary of log.listDocs(values.prefix)) docs.push(summary)
    if (values.json) io.out(JSON.stringify(docs.map((d) => ({ doc: d.doc, headSeq: d.headSeq, lastChange: iso(d.lastChange) }))))
    else for (const d of docs) io.out(`${d.doc}\t${d.headSeq}\t${iso(d.lastChange)}`)
  })

const requireDoc = (doc: string | undefined, command: string): string => {
  if (doc === undefined) throw new CliError(CliErrorCode.Usage, `rota ${command} needs a document name`)
  return doc
}

const positiveInt = (text: string | undefined, fallback: number, flag: string): number => {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text) || Number(text) === 0) throw new CliError(CliErrorCode.Usage, `--${flag} must be a positive integer`)
  return Number(text)
}

export const historyCommand = (config: Config, values: ParsedValues, doc: string | undefined, io: Output) =>
  withLog(config, async (log) => {
    const name = requireDoc(doc, 'history')
    const head = await log.head(name)
    if (head === undefined) throw new CliError(CliErrorCode.NotFound, `no document named "${name}"`)
    const { entries } = await readHistory(log, name, head.headSeq, { limit: positiveInt(values.limit, 20, 'limit') })
    if (values.json) {
      io.out(JSON.stringify(entries))
      return
    }
    for (const e of entries) {
      const paths = e.changes.map((c) => `${c.kind === 'delete' ? '-' : c.kind === 'insert' ? '+' : '~'}${c.path}`).join(' ')
      io.out(`${e.seq}\t${e.time}\t${e.actor} (${e.role})\t${e.origin}\t${e.bytes} B\t${paths}`)
    }
  })

/** `--at 12` (seq) or `--at 2026-11-25T10:00:00Z` (time), as strictly as the server reads `?at=`. */
export const parseAt = (at: string): VersionRef => {
  try {
    return parseVersionRef(at)
  } catch {
    throw new CliError(CliErrorCode.Usage, '--at takes a sequence number or an ISO-8601 time (2026-11-25 or 2026-11-25T10:00:00Z)')
  }
}

export const exportCommand = (config: Config, values: ParsedValues, doc: string | undefined, io: Output) =>
  withLog(config, async (log) => {
    const name = requireDoc(doc, 'export')
    if ((await log.head(name)) === undefined) throw new CliError(CliErrorCode.NotFound, `no document named "${name}"`)
    const state = await log.stateAt(name, values.at === undefined ? undefined : parseAt(values.at))
    const ydoc = new Y.Doc()
    Y.applyUpdate(ydoc, state)
    io.out(JSON.stringify(toJSON(ydoc), null, 2))
    ydoc.destroy()
  })

export const verifyCommand = (config: Config, doc: string | undefined, io: Output) =>
  withLog(config, async (log) => {
    const names: string[] = []
    if (doc !== undefined) names.push(doc)
    else for await (const summary of log.listDocs()) names.push(summary.doc)
    const progress = createProgress('verifying', names.length)
    let damaged = 0
    let entries = 0
    for (const [i, name] of names.entries()) {
      progress.tick(i, name)
      const report = await log.verify(name)
      entries += report.entries
      for (const problem of report.damaged) {
        damaged++
        io.err(`${name} seq ${problem.seq}: ${problem.reason}`)
      }
    }
    progress.done()
    io.out(`${names.length} documents, ${entries} entries, ${damaged} damaged`)
    if (damaged > 0) throw new CliError(CliErrorCode.Damaged, `${damaged} damaged entries (see above)`)
  })
