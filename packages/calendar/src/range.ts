import { dayNumber, isDate, type DateRange } from '@rota/model'
import { MAX_EXPORT_DAYS } from './csv.ts'
import { CalendarError, CalendarErrorCode } from './errors.ts'

/** Validates an export's range: two dates, `to` not before `from`, at most MAX_EXPORT_DAYS days. */
export const parseRange = (from: unknown, to: unknown): DateRange => {
  if (!isDate(from) || !isDate(to)) throw new CalendarError(CalendarErrorCode.BadRange, "from and to must be dates 'YYYY-MM-DD'", { from, to })
  const days = dayNumber(to) - dayNumber(from) + 1
  if (days < 1) throw new CalendarError(CalendarErrorCode.BadRange, `to (${to}) is before from (${from})`, { from, to })
  if (days > MAX_EXPORT_DAYS) throw new CalendarError(CalendarErrorCode.BadRange, `an export covers at most ${MAX_EXPORT_DAYS} days`, { from, to, days })
  return { from, to }
}
