/**
 * The document commands: `docs`, `history`, `export`, `verify` and `restore`. Each runs on a running
 * server with `--url` (and `--token`), else on the data directory while the server is stopped
 * (logSource.ts); the output and exit codes are the same either way.
 */
import { CliError, CliErrorCode } from '../errors.ts'
import { createProgress } from '../progress.ts'
import type { Config, ParsedValues } from '../config.ts'
import { exportCsvCommand } from './exportCsv.ts'
import { withLogSource } from './logSource.ts'
import { serverOf } from './serverClient.ts'

export interface Output {
  out: (line: string) => void
  err: (line: string) => void
}

type Env = Record<string, string | undefined>

const requireDoc = (doc: string | undefined, command: string): string => {
  if (doc === undefined) throw new CliError(CliErrorCode.Usage, `rota ${command} needs a document name`)
  return doc
}

const positiveInt = (text: string | undefined, fallback: number, flag: string): number => {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text) || Number(text) === 0) throw new CliError(CliErrorCode.Usage, `--${flag} must be a positive integer`)
  return Number(text)
}

export const docsCommand = (config: Config, values: ParsedValues, io: Output, env: Env = process.env) =>
  withLogSource(config, serverOf(values, env), async (source) => {
    const docs = await source.docs(values.prefix)
    if (values.json) io.out(JSON.stringify(docs))
    else for (const d of docs) io.out(`${d.doc}\t${d.headSeq}\t${d.lastChange}`)
  })

export const historyCommand = (config: Config, values: ParsedValues, doc: string | undefined, io: Output, env: Env = process.env) =>
  withLogSource(config, serverOf(values, env), async (source) => {
    const entries = await source.history(requireDoc(doc, 'history'), positiveInt(values.limit, 20, 'limit'))
    if (values.json) {
      io.out(JSON.stringify(entries))
      return
    }
    for (const e of entries) {
      const paths = e.changes.map((c) => `${c.kind === 'delete' ? '-' : c.kind === 'insert' ? '+' : '~'}${c.path}`).join(' ')
      io.out(`${e.seq}\t${e.time}\t${e.actor} (${e.role})\t${e.origin}\t${e.bytes} B\t${paths}`)
    }
  })

export const exportCommand = async (config: Config, values: ParsedValues, doc: string | undefined, io: Output, env: Env = process.env) => {
  // `--format csv`: the hours and shifts exports of @rota/calendar (exportCsv.ts); JSON is the default.
  if (values.format !== undefined && values.format !== 'json') {
    if (values.format !== 'csv') throw new CliError(CliErrorCode.Usage, '--format must be json or csv')
    return exportCsvCommand(config, values, requireDoc(doc, 'export'), io, env)
  }
  return withLogSource(config, serverOf(values, env), async (source) => {
    io.out(JSON.stringify(await source.schedule(requireDoc(doc, 'export'), values.at), null, 2))
  })
}

export const verifyCommand = (config: Config, values: ParsedValues, doc: string | undefined, io: Output, env: Env = process.env) =>
  withLogSource(config, serverOf(values, env), async (source) => {
    const names = doc !== undefined ? [doc] : (await source.docs()).map((d) => d.doc)
    const progress = createProgress('verifying', names.length)
    const damaged: Array<{ doc: string; seq: number; reason: string }> = []
    let entries = 0
    for (const [i, name] of names.entries()) {
      progress.tick(i, name)
      const report = await source.verify(name)
      entries += report.entries
      for (const problem of report.damaged) {
        damaged.push({ doc: name, ...problem })
        if (!values.json) io.err(`${name} seq ${problem.seq}: ${problem.reason}`)
      }
    }
    progress.done()
    if (values.json) io.out(JSON.stringify({ documents: names.length, entries, damaged }))
    else io.out(`${names.length} documents, ${entries} entries, ${damaged.length} damaged`)
    if (damaged.length > 0) throw new CliError(CliErrorCode.Damaged, `${damaged.length} damaged entries (see above)`)
  })

/** `rota restore <doc> --at <seq>`: a new entry that makes the document what it was at that seq (history is kept). */
export const restoreCommand = (config: Config, values: ParsedValues, doc: string | undefined, io: Output, env: Env = process.env) =>
  withLogSource(config, serverOf(values, env), async (source) => {
    const name = requireDoc(doc, 'restore')
    if (values.at === undefined || !/^\d+$/.test(values.at)) throw new CliError(CliErrorCode.Usage, 'rota restore needs --at <seq> (a sequence number; see rota history)')
    const result = await source.restore(name, Number(values.at))
    if (values.json) io.out(JSON.stringify(result))
    else io.out(result.changed ? `${name}: restored to seq ${values.at} as seq ${result.seq}` : `${name}: already as at seq ${values.at}; nothing appended`)
  })
