import { describe, expect, it } from 'vitest'
import { parseCommandLine, resolveConfig } from './config.ts'
import { CliErrorCode } from './errors.ts'
import { defaultInstanceId, openBus } from './commands/bus.ts'

const configOf = (argv: string[], env: Record<string, string> = {}) => resolveConfig(parseCommandLine(['serve', ...argv]).values, env, '/tmp')

const silent = { info: () => undefined, warn: () => undefined, debug: () => undefined }

describe('the bus settings of rota serve', () => {
  it('has no bus by default: a single instance needs no Redis', async () => {
    const config = configOf([])
    expect(config.busUrl).toBe('')
    expect(await openBus(config, silent)).toBeUndefined()
  })

  it('takes --bus-url / ROTA_BUS_URL and --instance-id / ROTA_INSTANCE_ID, flags first', () => {
    const env = { ROTA_LOG_URL: 'postgres://db/rota', ROTA_BUS_URL: 'redis://env:6379', ROTA_INSTANCE_ID: 'from-env' }
    expect(configOf([], env)).toMatchObject({ busUrl: 'redis://env:6379', instanceId: 'from-env' })
    expect(configOf(['--bus-url', 'rediss://flag:6380', '--instance-id', 'a'], env)).toMatchObject({ busUrl: 'rediss://flag:6380', instanceId: 'a' })
  })

  it('refuses a bus without a shared log, and a URL that is not Redis', () => {
    expect(() => configOf(['--bus-url', 'redis://r:6379'])).toThrow(expect.objectContaining({ code: CliErrorCode.BadConfig }))
    expect(() => configOf(['--bus-url', 'http://r', '--log-url', 'postgres://db/rota'])).toThrow(
      expect.objectContaining({ code: CliErrorCode.BadConfig }),
    )
  })

  it('makes up an instance id from the host and pid when none is given', () => {
    expect(defaultInstanceId()).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{6}$`))
    expect(defaultInstanceId()).not.toBe(defaultInstanceId())
  })
})
