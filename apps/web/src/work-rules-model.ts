/**
 * A working-time violation ([RS1] [CD1] [SL1] [DH1], as the publish preview lists the resolver's rules)
 * in words: its figures against the team's limit. Pure, unit-tested.
 */
const hours = (x: unknown): string => `${Math.round(Number(x) * 100) / 100} h`

/** The figures of a working-time violation, or null for any other kind. */
export const workViolationFigures = (v: { kind: string } & Record<string, unknown>): string | null => {
  switch (v.kind) {
    case 'rest_too_short': return `${hours(Number(v.restMinutes) / 60)} rest, at least ${hours(v.min)} wanted`
    case 'too_many_consecutive_days': return `${String(v.days)} working days in a row (${String(v.from)} to ${String(v.to)}), at most ${String(v.max)}`
    case 'shift_too_long': return `a ${hours(v.hours)} shift, at most ${hours(v.max)}`
    case 'day_too_long': return `${hours(v.hours)} on ${String(v.date)}, at most ${hours(v.max)} a day`
    default: return null
  }
}
