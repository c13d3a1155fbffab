import { describe, expect, it } from 'vitest'
import { checkWorkRules } from '@rota/model'
import { parseLimit, workRulesFrom } from './views/work-rules.ts'

const none = { minRestHours: '', maxConsecutiveDays: '', maxShiftHours: '', maxDayHours: '' }

describe('the Settings form\'s working-time rules', () => {
  it('blank is no limit for the team and the team\'s limit for a role; none waives the rule for a role', () => {
    const rules = workRulesFrom({ ...none, minRestHours: '11', maxShiftHours: ' 12 ' }, [
      { role: ' doctor ', values: { ...none, maxShiftHours: '24', minRestHours: 'None' } },
      { role: 'nurse', values: none },
      { role: '', values: { ...none, maxDayHours: '8' } },
    ])
    expect(rules).toEqual({ minRestHours: 11, maxShiftHours: 12, roles: { doctor: { minRestHours: null, maxShiftHours: 24 } } })
    // What the form builds is what the model accepts.
    expect(checkWorkRules(rules, 'settings.workRules')).toEqual(rules)
    expect(workRulesFrom(none, [])).toEqual({})
  })

  it('passes what is typed on to the model, which refuses what is out of range', () => {
    expect(parseLimit('none', false)).toBeNaN()
    expect(() => checkWorkRules(workRulesFrom({ ...none, maxConsecutiveDays: '1.5' }, []), 'settings.workRules')).toThrow(/integer/)
  })
})

describe('working-time violations in words (the publish preview)', () => {
  it('names each rule\'s figures against its limit', async () => {
    const { workViolationFigures } = await import('./work-rules-model.ts')
    expect(workViolationFigures({ kind: 'rest_too_short', restMinutes: 300, min: 11 })).toBe('5 h rest, at least 11 h wanted')
    expect(workViolationFigures({ kind: 'too_many_consecutive_days', days: 7, from: '2026-11-23', to: '2026-11-29', max: 6 })).toBe('7 working days in a row (2026-11-23 to 2026-11-29), at most 6')
    expect(workViolationFigures({ kind: 'shift_too_long', hours: 12.5, max: 12 })).toBe('a 12.5 h shift, at most 12 h')
    expect(workViolationFigures({ kind: 'day_too_long', hours: 14, max: 12, date: '2026-11-23' })).toBe('14 h on 2026-11-23, at most 12 h a day')
    expect(workViolationFigures({ kind: 'double_booking' })).toBeNull()
  })
})
