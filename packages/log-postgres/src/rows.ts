/**
 * Entries as rows: the columns an append sends, the entry a row reads back as, and the checksum that
 * ties them together. The checksum (CRC-32, computed here, not in the database) covers the update
 * bytes and the meta as given; the seq and the stored receivedAt are assigned inside the append
 * transaction, so `verify` checks them by their own rules (dense numbering, non-decreasing times).
 */
import { crc32 } from 'node:zlib'
import { ORIGINS, RotaLogError, LogErrorCode } from '@rota/log'
import type { EntryMeta, LogEntry, Origin } from '@rota/log'

/** The columns of one entry as `rota_append` takes them (one array element each). */
export interface EntryColumns {
  received: number
  clientTime: number | null
  actor: string
  role: string
  origin: Origin
  /** A PostgreSQL array literal, e.g. `{7,11}`. */
  clientIds: string
  /** `meta.details` as JSON text, stored as it is. */
  details: string | null
  body: Uint8Array
  crc: number
}

/** An entry row as the log's queries select it. */
export interface EntryRow {
  seq: number
  received_at: number
  client_time: number | null
  actor: string
  role: string
  origin: string
  client_ids: number[]
  details: string | null
  body: Buffer
  crc: number
}

export const ENTRY_COLUMNS = 'seq, received_at, client_time, actor, role, origin, client_ids, details, body, crc'

function checksum(
  fields: { actor: string; role: string; origin: string; clientIds: readonly number[]; clientTime: number | null; details: string | null },
  body: Uint8Array,
): number {
  const meta = JSON.stringify([fields.actor, fields.role, fields.origin, fields.clientIds, fields.clientTime, fields.details])
  // Stored as a signed 32-bit integer (PostgreSQL has no unsigned one).
  return crc32(body, crc32(meta)) | 0
}

export function entryColumns(update: Uint8Array, meta: EntryMeta): EntryColumns {
  const fields = {
    actor: meta.actor,
    role: meta.role,
    origin: meta.origin,
    clientIds: meta.clientIds,
    clientTime: meta.clientTime ?? null,
    details: meta.details === undefined ? null : JSON.stringify(meta.details),
  }
  return { ...fields, received: meta.receivedAt, clientIds: `{${meta.clientIds.join(',')}}`, body: update, crc: checksum(fields, update) }
}

export const corrupt = (doc: string, seq: number, reason: string): RotaLogError =>
  new RotaLogError(LogErrorCode.Corrupt, `${doc} seq ${seq} is damaged (${reason}); see "Recovery" in docs/log.md`, { doc, seq })

/** Why a row is damaged (checksum, unknown origin, bad details), or undefined when it is intact. */
export function rowDamage(row: EntryRow): string | undefined {
  const fields = { actor: row.actor, role: row.role, origin: row.origin, clientIds: row.client_ids, clientTime: row.client_time, details: row.details }
  if (checksum(fields, row.body) !== row.crc) return 'checksum mismatch'
  if (!(ORIGINS as readonly string[]).includes(row.origin)) return `unknown origin ${row.origin}`
  return undefined
}

/** The entry a row holds; throws ROTA_LOG_CORRUPT when its checksum does not match. */
export function entryOf(doc: string, row: EntryRow): LogEntry {
  const damage = rowDamage(row)
  if (damage !== undefined) throw corrupt(doc, row.seq, damage)
  const meta: EntryMeta = {
    actor: row.actor,
    role: row.role,
    origin: row.origin as Origin,
    clientIds: row.client_ids,
    receivedAt: row.received_at,
  }
  if (row.client_time !== null) meta.clientTime = row.client_time
  if (row.details !== null) meta.details = JSON.parse(row.details) as Record<string, unknown>
  // A copy: a view would keep the driver's whole receive buffer alive.
  return { doc, seq: row.seq, update: new Uint8Array(row.body), meta }
}

export const stateChecksum = (state: Uint8Array): number => crc32(state) | 0
