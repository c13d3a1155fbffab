import type { VersionRef } from '@rota/log'
import { RotaServerError, ServerErrorCode } from './errors.ts'

/**
 * `?at=` is documented as a sequence number or an ISO-8601 time, and only those are accepted. `Date.parse`
 * alone takes `-1`, ` 1`, `March 7`, `12/31/2026` and RFC 1123 dates, reading several of them in the
 * server's local time zone: a client asking for one version would silently get another.
 */
const seqPattern = /^(?:0|[1-9]\d*)$/
/** A calendar date, optionally with a time that then needs its zone (`Z` or `±hh:mm`). */
const isoPattern = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/

/** Whether the fields name a real moment: no February 30th, no 25:00 (Date.UTC would roll them over). */
const realDate = (year: number, month: number, day: number, hour: number, minute: number, second: number): boolean => {
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second))
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  )
}

const badVersion = (at: string): RotaServerError =>
  new RotaServerError(
    ServerErrorCode.BadVersion,
    '`at` is neither a sequence number (0, 1, 2, …) nor an ISO-8601 time (2026-11-25 or 2026-11-25T10:00:00Z)',
    { at },
  )

/** `12` → `{ seq: 12 }`; `2026-11-25T10:00:00Z` → `{ time }`. Throws ROTA_ERR_BAD_VERSION for anything else. */
export const parseVersionRef = (at: string): VersionRef => {
  if (seqPattern.test(at)) {
    const seq = Number(at)
    if (!Number.isSafeInteger(seq)) throw badVersion(at)
    return { seq }
  }
  const match = isoPattern.exec(at)
  if (match === null) throw badVersion(at)
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => Number(part ?? 0))
  if (!realDate(year!, month!, day!, hour, minute, second)) throw badVersion(at)
  const offset = match[8]
  if (offset !== undefined && offset !== 'Z' && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4)) > 59)) throw badVersion(at)
  const time = Date.parse(at)
  if (!Number.isFinite(time)) throw badVersion(at)
  return { time }
}
