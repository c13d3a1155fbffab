export type {
  Weekday,
  StaffJSON,
  ShiftJSON,
  CoverageRule,
  SettingsJSON,
  ScheduleJSON,
  StaffInput,
  ShiftInput,
  Collection,
} from './schema.ts'
export {
  Root,
  WEEKDAYS,
  STAFF_FIELDS,
  SHIFT_FIELDS,
  SETTINGS_FIELDS,
  DEFAULT_MAX_HOURS,
  MAX_ID_LENGTH,
  MAX_TEXT_LENGTH,
  isDate,
  isTime,
  isTimezone,
  isId,
  isValidScalar,
  readCoverageRule,
  readField,
  defaultSettings,
} from './schema.ts'
export type { FieldSpec, ValueKind } from './schema.ts'
export type { ModelErrorInfo } from './errors.ts'
export { ModelError, ModelErrorCode, isModelError } from './errors.ts'
export type { PathTarget } from './paths.ts'
export { parsePath, formatPath, isSchemaPath } from './paths.ts'
export type { PathOp } from './ops.ts'
export { applyOps, validateOps, MODEL_ORIGIN } from './ops.ts'
export { toJSON, fromJSON } from './json.ts'
export {
  addStaff,
  updateStaff,
  removeStaff,
  addShift,
  updateShift,
  removeShift,
  assign,
  unassign,
  setSettings,
} from './operations.ts'
export type { UpdateChange } from './describe.ts'
export { describeUpdate, findStruct, itemRefs } from './describe.ts'
export type { Effect } from './effect.ts'
export { readEffect, revertEffect, StateReader } from './effect.ts'
export type { TimedShift, DateRange, WeekMinutes, WeeklyHoursOptions, OverHours, Overlap, CoverageResult } from './queries.ts'
export {
  shiftsOf,
  shiftInterval,
  shiftIntervalOrNull,
  shiftMinutes,
  shiftDates,
  shiftWeekMinutes,
  weeklyHours,
  overMaxHours,
  overlapMinutes,
  overlapsOf,
  coverageOf,
  staffedDuring,
} from './queries.ts'
export type { Interval } from './time.ts'
export { MINUTES_PER_DAY, dayNumber, dateOfDay, addDays, minuteOfDay, formatInstant, weekdayOf, weekStartOf } from './time.ts'
export type { WorkRules, WorkLimits, WorkLimit, RoleWorkLimits } from './schema.ts'
export { WORK_LIMITS, MAX_CONSECUTIVE_DAYS, checkWorkRules, readWorkRules } from './schema.ts'
export type { RuleShift, RestBreak, WorkingRun, WorkBreach } from './rules.ts'
export {
  workLimit,
  overLimit,
  underRest,
  byStartOrder,
  ruleShift,
  restBefore,
  REST_LOOKBACK_DAYS,
  shiftDayMinutes,
  minutesOnDate,
  runFrom,
  runStartOf,
  breachShifts,
  describeBreach,
  workRuleBreaches,
} from './rules.ts'
