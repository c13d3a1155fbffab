/**
 * The update log's public contract. Every backend (in-memory, LevelDB, later PostgreSQL)
 * implements `UpdateLog`; the shared compliance suite checks each one the same way.
 * Nothing here may depend on what only one backend can do.
 */

/** Where an update came from. */
export type Origin = 'ws' | 'rest' | 'resolver' | 'restore' | 'import'

/** Who wrote an entry, from where and when. Stored with the entry, immutable. */
export interface EntryMeta {
  /** The editor (token `sub`), or a service name such as `resolver`. */
  actor: string
  /** The editor's role from the token (`viewer`, `staff`, `lead`, `manager`, `admin`, or `system`). */
  role: string
  origin: Origin
  /** The Yjs client ids whose structs the update carries. */
  clientIds: number[]
  /**
   * Server time the update was received, ms since the epoch. The log keeps it non-decreasing per
   * document (a smaller value is stored as the previous entry's), so lookups by time are well defined.
   */
  receivedAt: number
  /** When the client says it made the edit (offline sessions), ms since the epoch; defaults to receivedAt. */
  clientTime?: number
  /** Free-form, small, JSON-serialisable details (e.g. the resolver's conflict id and option). */
  details?: Record<string, unknown>
}

/** The role value used for entries written by Rota itself (resolver, restore, import). */
export const SYSTEM_ROLE = 'system'

export const ORIGINS: readonly Origin[] = ['ws', 'rest', 'resolver', 'restore', 'import']

export interface LogEntry {
  doc: string
  /** 1-based, dense per document, never reused, also across restarts. */
  seq: number
  /** The Yjs v1 update exactly as received. */
  update: Uint8Array
  meta: EntryMeta
}

/** Selects entries of one document. Bounds are inclusive; all are optional. */
export interface ReadRange {
  fromSeq?: number
  toSeq?: number
  /** ms since the epoch, compared with `meta.receivedAt`. */
  fromTime?: number
  toTime?: number
  /** Newest first when true. */
  reverse?: boolean
  limit?: number
}

/** A point in a document's history: a sequence number, or a time (the last entry at or before it). */
export type VersionRef = { seq: number } | { time: number }

export interface DocSummary {
  doc: string
  /** The highest sequence number written (after a truncation: the last entry kept). */
  headSeq: number
  /** receivedAt of the head entry, ms since the epoch. */
  lastChange: number
  /**
   * The oldest sequence number still held. 1 unless retention folded older entries into a base
   * state, or the document was removed and written again (sequence numbers continue). The state at
   * `historyStartsAt - 1` is the base; anything before it raises ROTA_LOG_HISTORY_GONE.
   */
  historyStartsAt: number
}

export interface VerifyReport {
  doc: string
  entries: number
  /** Entries whose checksum or encoding does not match, oldest first. */
  damaged: Array<{ seq: number; reason: string }>
  /** Derived checkpoints that fail their checksum (harmless: loads fall back to the entries). */
  damagedCheckpoints?: number[]
}

/** Callbacks for metrics. They run synchronously on the write path: keep them cheap and never throw. */
export interface LogObserver {
  /** One storage write carrying `entries` appends for `docs` documents took `ms`. */
  onBatch?(info: { entries: number; docs: number; bytes: number; ms: number }): void
  /** A checkpoint of `doc` at `seq` was stored. */
  onCheckpoint?(info: { doc: string; seq: number; bytes: number; ms: number }): void
  /** Background work (checkpoints, retention) failed; appends are not affected. */
  onError?(error: Error): void
}

/** One piece of a document's state: a Yjs update, in the encoding it is stored in. */
export interface StatePart {
  update: Uint8Array
  encoding: 'v1' | 'v2'
}

export interface UpdateLog {
  /** Resolves with the entry's sequence number once the entry is durable. */
  append(doc: string, update: Uint8Array, meta: EntryMeta): Promise<number>
  read(doc: string, range?: ReadRange): AsyncIterable<LogEntry>
  /** The head entry's seq and time; undefined for a document with no entries. */
  head(doc: string): Promise<DocSummary | undefined>
  /** The document's encoded state (Yjs v1 update) at its head, or as it was at `at`. */
  stateAt(doc: string, at?: VersionRef): Promise<Uint8Array>
  /**
   * The same state as `stateAt`, as the updates to apply in order (`applyStateParts`; none for an
   * empty document): a backend hands out its stored form (e.g. a checkpoint in Yjs v2 and the
   * entries after it) without converting or merging it into one v1 update, which is what a server
   * loading a document wants.
   * Optional: `stateParts(log, …)` falls back to `stateAt`.
   */
  stateParts?(doc: string, at?: VersionRef): Promise<StatePart[]>
  listDocs(prefix?: string): AsyncIterable<DocSummary>
  /** Removes a document and its history. Explicit and itself logged by the backend. */
  removeDoc(doc: string, meta: EntryMeta): Promise<void>
  verify(doc: string): Promise<VerifyReport>
  /**
   * Operator repair: cuts every entry after `seq` (a damaged tail). Returns how many were cut.
   * The cut numbers are not reused: the next append continues after the old head.
   */
  truncateAfter(doc: string, seq: number): Promise<number>
  /** Waits for pending appends, then releases the storage. */
  close(): Promise<void>
}
