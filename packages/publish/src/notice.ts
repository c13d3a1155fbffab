import { dayNumber, minuteOfDay, shiftIntervalOrNull, MINUTES_PER_DAY, type ShiftJSON } from '@rota/model'

/**
 * Short notice: predictive-scheduling laws attach pay to changes a person hears of less than a notice
 * period (often 14 days) before the shift. A change is short notice when the earlier of the shift's
 * start before and after the change is less than `noticeDays` from when it is published. Both sides are
 * naive wall-clock instants (as @rota/model reads shifts), "now" read in the schedule's time zone.
 */
export const wallClockNow = (timezone: string, now: number): number => {
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    })
  } catch {
    // A lenient read of a damaged document can hold any string; UTC is the model's default zone.
    return wallClockNow('UTC', now)
  }
  const parts = format.formatToParts(new Date(now))
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '00'
  return dayNumber(`${part('year')}-${part('month')}-${part('day')}`) * MINUTES_PER_DAY + minuteOfDay(`${part('hour')}:${part('minute')}`)
}

export const isShortNotice = (before: ShiftJSON | null, after: ShiftJSON | null, nowWall: number, noticeDays: number): boolean => {
  const starts: number[] = []
  for (const shift of [before, after]) {
    const interval = shift === null ? null : shiftIntervalOrNull(shift)
    if (interval !== null) starts.push(interval.start)
  }
  return starts.length > 0 && Math.min(...starts) - nowWall < noticeDays * MINUTES_PER_DAY
}
