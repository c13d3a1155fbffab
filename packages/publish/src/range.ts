import { addDays, dayNumber, isDate, type DateRange } from '@rota/model'
import { PublishError, PublishErrorCode } from './errors.ts'

/** Longest range one publication or one read covers (a year and a day: any calendar year fits). */
const MAX_RANGE_DAYS = 366

/** Validates a range from a request: two dates, `to` not before `from`, at most MAX_RANGE_DAYS days. */
export const parseRange = (from: unknown, to: unknown): DateRange => {
  if (!isDate(from) || !isDate(to)) throw new PublishError(PublishErrorCode.BadRange, "from and to must be dates 'YYYY-MM-DD'", { from, to })
  const days = dayNumber(to) - dayNumber(from) + 1
  if (days < 1) throw new PublishError(PublishErrorCode.BadRange, `to (${to}) is before from (${from})`, { from, to })
  if (days > MAX_RANGE_DAYS) throw new PublishError(PublishErrorCode.BadRange, `a range covers at most ${MAX_RANGE_DAYS} days`, { from, to, days })
  return { from, to }
}

export const inRange = (date: string, range: DateRange): boolean => isDate(date) && date >= range.from && date <= range.to

/** Every date of a (validated) range, in order. */
export const datesOf = (range: DateRange): string[] => {
  const out: string[] = []
  for (let d = range.from; d <= range.to && out.length <= MAX_RANGE_DAYS; d = addDays(d, 1)) out.push(d)
  return out
}
