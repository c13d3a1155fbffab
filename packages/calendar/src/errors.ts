import { errorClass } from '@rota/errors'

/**
 * Stable error codes of @rota/calendar. HTTP answers carry them in the server's error shape
 * (`{ error: { code, message, details } }`); tests check `err.code`; docs/calendar.md lists every code.
 * What the server already names (bad request, forbidden, unknown document) uses the server's own codes.
 */
export const CalendarErrorCode = {
  /** No live feed for that token (never made, revoked or renewed), or no feed for that person. HTTP 404. */
  FeedNotFound: 'ROTA_CALENDAR_FEED_NOT_FOUND',
  /** A date range that is not two 'YYYY-MM-DD' dates in order, or longer than the limit. HTTP 400. */
  BadRange: 'ROTA_CALENDAR_BAD_RANGE',
  /** A staff id that is not one (empty, too long, or with a NUL). HTTP 400. */
  BadStaff: 'ROTA_CALENDAR_BAD_STAFF',
  /** The calendar store could not be opened, read or written. HTTP 500. */
  Store: 'ROTA_CALENDAR_STORE',
} as const

export type CalendarErrorCode = (typeof CalendarErrorCode)[keyof typeof CalendarErrorCode]

export const httpStatusOf: Record<CalendarErrorCode, number> = {
  ROTA_CALENDAR_FEED_NOT_FOUND: 404,
  ROTA_CALENDAR_BAD_RANGE: 400,
  ROTA_CALENDAR_BAD_STAFF: 400,
  ROTA_CALENDAR_STORE: 500,
}

export class CalendarError extends errorClass('CalendarError', httpStatusOf) {}

export const isCalendarError = (err: unknown): err is CalendarError => err instanceof CalendarError
