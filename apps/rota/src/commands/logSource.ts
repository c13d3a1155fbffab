/**
 * Where the document commands (`docs`, `history`, `export`, `verify`, `restore`) read and write: the log
 * itself (the PostgreSQL log of `--log-url` at any time; the data directory's LevelDB log while no server runs,
 * LevelDB allowing one process), or a running server's REST API (`--url`, see serverClient.ts). Both answer in the same shapes, so each command prints the same output and
 * exits with the same code in either mode.
 */
import { userInfo } from 'node:os'
import * as Y from 'yjs'
import type { UpdateLog, VerifyReport } from '@rota/log'
import { toJSON } from '@rota/model'
import { parseVersionRef, readHistory, restoreUpdate, type HistoryEntry } from '@rota/server'
import { CliError, CliErrorCode } from '../errors.ts'
import type { Config } from '../config.ts'
import { openUpdateLog, usesPostgres } from './logBackend.ts'
import { lockedByServer, ServerAnswer, type ServerClient } from './serverClient.ts'

interface DocListing {
  doc: string
  headSeq: number
  /** ISO-8601. */
  lastChange: string
}

export interface LogSource {
  docs(prefix?: string): Promise<DocListing[]>
  /** Newest first. */
  history(doc: string, limit: number): Promise<HistoryEntry[]>
  /** The schedule now, or at a seq or ISO time (`at` as `?at=` takes it). */
  schedule(doc: string, at?: string): Promise<unknown>
  verify(doc: string): Promise<VerifyReport>
  /** Makes the document equal to version `seq` with a new entry; `changed: false` when it already is. */
  restore(doc: string, seq: number): Promise<{ seq: number; changed: boolean }>
}

const notFound = (doc: string) => new CliError(CliErrorCode.NotFound, `no document named "${doc}"`)
const iso = (ms: number) => new Date(ms).toISOString()
const EMPTY = new Uint8Array([0, 0])

/** The operator running a local command, recorded as the entry's actor. */
const localActor = (): string => {
  try {
    return `local:${userInfo().username}`
  } catch {
    return 'local'
  }
}

const stateDoc = (state: Uint8Array): Y.Doc => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, state)
  return doc
}

/** `--at 12` (seq) or `--at 2026-11-25T10:00:00Z` (time), as strictly as the server reads `?at=`. */
export const parseAt = (at: string) => {
  try {
    return parseVersionRef(at)
  } catch {
    throw new CliError(CliErrorCode.Usage, '--at takes a sequence number or an ISO-8601 time (2026-11-25 or 2026-11-25T10:00:00Z)')
  }
}

const localSource = (log: UpdateLog): LogSource => {
  const head = async (doc: string) => {
    const summary = await log.head(doc)
    if (summary === undefined) throw notFound(doc)
    return summary
  }
  return {
    async docs(prefix) {
      const docs: DocListing[] = []
      for await (const d of log.listDocs(prefix)) docs.push({ doc: d.doc, headSeq: d.headSeq, lastChange: iso(d.lastChange) })
      return docs
    },
    async history(doc, limit) {
      return (await readHistory(log, doc, (await head(doc)).headSeq, { limit })).entries
    },
    async schedule(doc, at) {
      await head(doc)
      const ydoc = stateDoc(await log.stateAt(doc, at === undefined ? undefined : parseAt(at)))
      try {
        return toJSON(ydoc)
      } finally {
        ydoc.destroy()
      }
    },
    verify: async (doc) => log.verify(doc),
    async restore(doc, seq) {
      const { headSeq } = await head(doc)
      if (seq > headSeq) throw new CliError(CliErrorCode.Usage, `seq ${seq} is after the head (${headSeq})`)
      const current = stateDoc(await log.stateAt(doc))
      const update = restoreUpdate(current, seq === 0 ? EMPTY : await log.stateAt(doc, { seq }))
      current.destroy()
      if (update === null) return { seq: headSeq, changed: false }
      const meta = { actor: localActor(), role: 'admin', origin: 'restore' as const, clientIds: [...Y.parseUpdateMeta(update).to.keys()], receivedAt: Date.now(), details: { restoredSeq: seq } }
      return { seq: await log.append(doc, update, meta), changed: true }
    },
  }
}

/** The REST API's answers in the same shapes; its 404 for a document becomes the local mode's NOT_FOUND. */
const remoteSource = (server: ServerClient): LogSource => {
  const path = (doc: string, rest = '') => `/api/docs/${encodeURIComponent(doc)}${rest}`
  const known = async <T>(doc: string, call: Promise<T>): Promise<T> => {
    try {
      return await call
    } catch (err) {
      if (err instanceof ServerAnswer && err.code === 'ROTA_ERR_DOC_NOT_FOUND') throw notFound(doc)
      if (err instanceof ServerAnswer && err.code === 'ROTA_ERR_BAD_VERSION') throw new CliError(CliErrorCode.Usage, err.message)
      throw err
    }
  }
  return {
    docs: async (prefix) => (await server.request<{ docs: DocListing[] }>('GET', '/api/docs', { query: { prefix } })).docs,
    async history(doc, limit) {
      // The server pages by at most 500; the CLI's --limit may ask for more.
      const entries: HistoryEntry[] = []
      let before: number | undefined
      while (entries.length < limit) {
        const page = await known(doc, server.request<{ entries: HistoryEntry[]; next: number | null }>('GET', path(doc, '/history'), { query: { limit: Math.min(500, limit - entries.length), before } }))
        entries.push(...page.entries)
        if (page.next === null || page.entries.length === 0) break
        before = page.next
      }
      return entries
    },
    async schedule(doc, at) {
      // Checked here too, so that both modes refuse a loose --at with the same usage error.
      if (at !== undefined) parseAt(at)
      return (await known(doc, server.request<{ schedule: unknown }>('GET', path(doc), { query: { at } }))).schedule
    },
    verify: (doc) => known(doc, server.request<VerifyReport>('GET', path(doc, '/verify'))),
    restore: (doc, seq) => known(doc, server.request<{ seq: number; changed: boolean }>('POST', path(doc, '/restore'), { body: { seq } })),
  }
}

/**
 * Runs `fn` on the server's REST API when there is one, else on the log itself (opened for it): PostgreSQL
 * with `--log-url` (readable while servers run), else the data directory's LevelDB log (server stopped).
 */
export const withLogSource = async <T>(config: Config, server: ServerClient | undefined, fn: (source: LogSource) => Promise<T>): Promise<T> => {
  if (server !== undefined) return fn(remoteSource(server))
  let log: UpdateLog
  try {
    log = await openUpdateLog(config)
  } catch (err) {
    if ((err as { code?: string }).code !== 'ROTA_LOG_LOCKED' || usesPostgres(config)) throw err
    throw lockedByServer((err as Error).message)
  }
  try {
    return await fn(localSource(log))
  } finally {
    await log.close()
  }
}
