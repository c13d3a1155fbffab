/**
 * @rota/model's time queries, remembered: the rules look at the same days and the same shifts many times
 * per update, and Date arithmetic per call showed in profiles. Records are never changed in place (a
 * changed record is a new object), so results are kept per record object.
 */
import { addDays as modelAddDays, shiftIntervalOrNull, shiftWeekMinutes, type ShiftJSON, type WeekMinutes, type Weekday } from '@rota/model'
import type { Interval } from '@rota/model'

const offsets = new Map<string, Map<number, string>>()

export const addDays = (date: string, days: number): string => {
  let byOffset = offsets.get(date)
  if (!byOffset) {
    // Bounded by the dates schedules use; a flood of odd dates only costs recomputing.
    if (offsets.size > 100_000) offsets.clear()
    offsets.set(date, (byOffset = new Map()))
  }
  let out = byOffset.get(days)
  if (out === undefined) byOffset.set(days, (out = modelAddDays(date, days)))
  return out
}

const intervals = new WeakMap<object, Interval | null>()

export const intervalOf = (shift: Pick<ShiftJSON, 'date' | 'start' | 'end'>): Interval | null => {
  let out = intervals.get(shift)
  if (out === undefined) intervals.set(shift, (out = shiftIntervalOrNull(shift)))
  return out
}

const weeks = new WeakMap<object, { weekStartsOn: Weekday; minutes: WeekMinutes[] }>()

export const weekMinutesOf = (shift: ShiftJSON, weekStartsOn: Weekday): WeekMinutes[] => {
  const known = weeks.get(shift)
  if (known?.weekStartsOn === weekStartsOn) return known.minutes
  const minutes = shiftWeekMinutes(shift, weekStartsOn)
  weeks.set(shift, { weekStartsOn, minutes })
  return minutes
}
