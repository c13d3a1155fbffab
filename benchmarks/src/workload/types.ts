// The schedule shapes of the public layout (mirrors @rota/model's ScheduleJSON contract), so the workload
// does not depend on the model package being present.

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday'

export interface StaffJSON {
  name: string
  role: string
  skills: string[]
  maxHoursPerWeek: number
  unavailable: string[]
}

export interface ShiftJSON {
  date: string
  start: string
  end: string
  role: string
  requiredSkill: string | null
  assignee: string | null
  notes: string
}

export interface CoverageRule {
  role: string
  start: string
  end: string
  min: number
}

export interface SettingsJSON {
  name: string
  timezone: string
  weekStartsOn: Weekday
  coverage: CoverageRule[]
}

export interface ScheduleJSON {
  staff: Record<string, StaffJSON>
  shifts: Record<string, ShiftJSON>
  settings: SettingsJSON
}

/** Size of a generated schedule. */
export interface ScheduleSize {
  staff: number
  days: number
  shiftsPerDay: number
}

export const FULL_SCHEDULE: ScheduleSize = { staff: 50, days: 90, shiftsPerDay: 8 }
export const SMALL_SCHEDULE: ScheduleSize = { staff: 3, days: 2, shiftsPerDay: 3 }
