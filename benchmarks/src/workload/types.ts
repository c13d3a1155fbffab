// The schedule shapes of the public layout, from the model package that defines them.
export type { StaffJSON, ShiftJSON, ScheduleJSON } from '@rota/model'

/** Size of a generated schedule. */
export interface ScheduleSize {
  staff: number
  days: number
  shiftsPerDay: number
}

export const FULL_SCHEDULE: ScheduleSize = { staff: 50, days: 90, shiftsPerDay: 8 }
export const SMALL_SCHEDULE: ScheduleSize = { staff: 3, days: 2, shiftsPerDay: 3 }
