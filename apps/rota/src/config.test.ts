import { describe, expect, it } from 'vitest'
import { parseCommandLine, resolveConfig } from './config.ts'
import { CliErrorCode } from './errors.ts'

const configOf = (argv: string[], env: Record<string, string> = {}) => resolveConfig(parseCommandLine(['serve', ...argv]).values, env)

describe('--max-pending-auth', () => {
  it('defaults to 256 and is read from the flag or ROTA_MAX_PENDING_AUTH', () => {
    expect(configOf([]).maxPendingAuth).toBe(256)
    expect(configOf(['--max-pending-auth', '16']).maxPendingAuth).toBe(16)
    expect(configOf([], { ROTA_MAX_PENDING_AUTH: '32' }).maxPendingAuth).toBe(32)
  })

  it('must be positive', () => {
    expect(() => configOf(['--max-pending-auth', '0'])).toThrow(expect.objectContaining({ code: CliErrorCode.BadConfig }))
  })
})
