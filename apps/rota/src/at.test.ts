import { describe, expect, it } from 'vitest'
import { parseAt } from './commands/logSource.ts'
import { CliErrorCode } from './errors.ts'

describe('export --at', () => {
  it('reads a sequence number or an ISO-8601 time, as the server reads ?at=', () => {
    expect(parseAt('12')).toEqual({ seq: 12 })
    expect(parseAt('2026-11-25T10:00:00Z')).toEqual({ time: Date.parse('2026-11-25T10:00:00Z') })
  })

  it.each(['-1', ' 1', '1.5', 'March 7', '12/31/2026', 'Tue, 01 Dec 2026 10:00:00 GMT'])('refuses %j as a usage error', (at) => {
    expect(() => parseAt(at)).toThrow(expect.objectContaining({ code: CliErrorCode.Usage }))
  })
})
