/**
 * `rota export <doc> --format csv --kind hours|shifts --from <date> --to <date> [--at <seq|time>]`: the CSV
 * exports of @rota/calendar. With `--url` it asks the running server (`GET /api/docs/:doc/exports/<kind>.csv`);
 * without, it reads the data directory and runs the same function on the same state, so both print the same
 * bytes (stdout ends with a newline in place of the last record's CRLF).
 */
import { exportCsv, exportKinds, isCalendarError, parseRange, type ExportKind } from '@rota/calendar'
import type { DateRange, ScheduleJSON } from '@rota/model'
import { CliError, CliErrorCode } from '../errors.ts'
import type { Config, ParsedValues } from '../config.ts'
import type { Output } from './documents.ts'
import { parseAt, withLogSource } from './logSource.ts'
import { ServerAnswer, serverOf } from './serverClient.ts'

type Env = Record<string, string | undefined>

const kindOf = (text: string | undefined): ExportKind => {
  if (!exportKinds.includes(text as ExportKind)) throw new CliError(CliErrorCode.Usage, `--format csv needs --kind ${exportKinds.join(' or ')}`)
  return text as ExportKind
}

const rangeOf = (from: string | undefined, to: string | undefined): DateRange => {
  try {
    return parseRange(from, to)
  } catch (err) {
    if (isCalendarError(err)) throw new CliError(CliErrorCode.Usage, `--from and --to: ${err.message}`)
    throw err
  }
}

const lastRecordBreak = /\r\n$/

/** The server's CSV, or its error as the other remote commands report it (an unknown document: NOT_FOUND). */
const fetchCsv = async (base: string, token: string | undefined, doc: string, kind: ExportKind, range: DateRange, at: string | undefined): Promise<string> => {
  const target = new URL(`${base}/api/docs/${encodeURIComponent(doc)}/exports/${kind}.csv`)
  target.searchParams.set('from', range.from)
  target.searchParams.set('to', range.to)
  if (at !== undefined) target.searchParams.set('at', at)
  let res: Response
  try {
    res = await fetch(target, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  } catch (err) {
    throw new Error(`cannot reach ${base}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`, { cause: err })
  }
  const text = await res.text()
  if (res.ok) return text
  const error = (() => {
    try {
      return (JSON.parse(text) as { error?: { code: string; message: string } }).error
    } catch {
      return undefined
    }
  })()
  if (error?.code === 'ROTA_ERR_DOC_NOT_FOUND') throw new CliError(CliErrorCode.NotFound, `no document named "${doc}"`)
  if (error?.code === 'ROTA_ERR_BAD_VERSION') throw new CliError(CliErrorCode.Usage, error.message)
  throw new ServerAnswer(`${base} answered ${res.status}: ${error?.message ?? res.statusText}`, error?.code ?? `HTTP_${res.status}`, res.status)
}

export const exportCsvCommand = async (config: Config, values: ParsedValues, doc: string, io: Output, env: Env = process.env): Promise<void> => {
  const kind = kindOf(values.kind)
  const range = rangeOf(values.from, values.to)
  if (values.at !== undefined) parseAt(values.at)
  const server = serverOf(values, env)
  if (server !== undefined) {
    io.out((await fetchCsv(server.url, values.token ?? env.ROTA_TOKEN, doc, kind, range, values.at)).replace(lastRecordBreak, ''))
    return
  }
  await withLogSource(config, undefined, async (source) => {
    const schedule = (await source.schedule(doc, values.at)) as ScheduleJSON
    io.out(exportCsv(kind, schedule, range).replace(lastRecordBreak, ''))
  })
}
