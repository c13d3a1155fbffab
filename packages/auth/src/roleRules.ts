import { AuthError, AuthErrorCode } from './errors.ts'
import { isRole, roles, type Role } from './types.ts'

/**
 * A team's role rules: who may change what in its schedules. One set per tenant; the defaults are the
 * rules Rota always had. Each area names the least role that may change anyone's data there (roles are
 * ordered viewer < staff < lead < manager < admin); admins may always change everything, viewers nothing.
 * The staff self-service switches say what a `staff` token may do to its own record and shifts.
 *
 * - `staffRecords`: create, rename, change role/skills/max hours of, and remove staff records.
 * - `shifts`: any change under `shifts` (create, edit, assign, remove).
 * - `timeOff`: add or remove dates in anyone's `staff.<id>.unavailable`.
 * - `settings`: `settings.name`, `timezone`, `weekStartsOn` (and structure outside the schema).
 * - `coverage`: `settings.coverage`.
 * - `publish`: publish a date range of a schedule (@rota/publish); no document change, so the update
 *   policy never asks about it. Manager by default; a team that lets its leads publish sets `lead`.
 */
export interface RoleRules {
  staffRecords: Role
  shifts: Role
  timeOff: Role
  settings: Role
  coverage: Role
  publish: Role
  selfService: SelfService
}

export interface SelfService {
  /** Assign an open shift to oneself (same role, has the required skill). */
  pickUp: boolean
  /** Set one's own shift back to open. */
  release: boolean
  /** Write the notes of one's own shifts. */
  notes: boolean
  /** Add dates to one's own time off (removing them stays with `timeOff`). */
  addTimeOff: boolean
}

export type RuleArea = Exclude<keyof RoleRules, 'selfService'>

export const ruleAreas: readonly RuleArea[] = ['staffRecords', 'shifts', 'timeOff', 'settings', 'coverage', 'publish']

export const defaultRoleRules: RoleRules = Object.freeze({
  staffRecords: 'manager',
  shifts: 'lead',
  timeOff: 'lead',
  settings: 'manager',
  coverage: 'manager',
  publish: 'manager',
  selfService: Object.freeze({ pickUp: true, release: true, notes: true, addTimeOff: true }),
}) as RoleRules

const selfServiceKeys: ReadonlyArray<keyof SelfService> = ['pickUp', 'release', 'notes', 'addTimeOff']

const invalid = (message: string, details: Record<string, unknown>): AuthError =>
  new AuthError(AuthErrorCode.BadRules, message, details)

/**
 * Validates a (partial) rules document and fills what it leaves out from `base` (the defaults).
 * Throws ROTA_AUTH_BAD_RULES naming the first bad field; unknown fields are refused, not ignored.
 */
export const parseRoleRules = (input: unknown, base: RoleRules = defaultRoleRules): RoleRules => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('role rules must be an object', {})
  const out: RoleRules = { ...base, selfService: { ...base.selfService } }
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (key === 'selfService') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('selfService must be an object', { field: key })
      for (const [flag, on] of Object.entries(value as Record<string, unknown>)) {
        if (!(selfServiceKeys as readonly string[]).includes(flag)) throw invalid(`unknown selfService field ${flag}`, { field: `selfService.${flag}` })
        if (typeof on !== 'boolean') throw invalid(`selfService.${flag} must be true or false`, { field: `selfService.${flag}` })
        out.selfService[flag as keyof SelfService] = on
      }
      continue
    }
    if (!(ruleAreas as readonly string[]).includes(key)) throw invalid(`unknown role rule ${key}`, { field: key })
    // viewer is read-only by definition; admin is the top, so the least role ranges from staff to admin.
    if (!isRole(value) || value === 'viewer') {
      throw invalid(`${key} must name a role from staff to admin`, { field: key, allowed: roles.filter((r) => r !== 'viewer') })
    }
    out[key as RuleArea] = value
  }
  return out
}
