import { describe, expect, it } from 'vitest'
import { cliLimits, parseCommandLine, resolveConfig, settings } from './config.ts'
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

describe('connection limits (slow readers, HTTP timeouts, shutdown grace)', () => {
  it('default to the server’s limits and are read from flags or the environment', () => {
    const defaults = configOf([])
    expect(defaults).toMatchObject({ maxQueuedBytes: 4 * 1024 * 1024, closeTimeoutMs: 3000, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 })
    expect(configOf(['--max-queued-bytes', '1048576']).maxQueuedBytes).toBe(1048576)
    expect(configOf([], { ROTA_CLOSE_TIMEOUT_MS: '500' }).closeTimeoutMs).toBe(500)
    expect(configOf([], { ROTA_MAX_UNFINISHED_REQUESTS_PER_ADDRESS: '8' }).maxUnfinishedRequestsPerAddress).toBe(8)
    expect(configOf(['--keep-alive-timeout-ms', '1000', '--connection-timeout-ms', '2000'])).toMatchObject({
      keepAliveTimeoutMs: 1000,
      connectionTimeoutMs: 2000,
    })
  })

  it('refuse zero and a header timeout above the request timeout', () => {
    expect(() => configOf(['--max-queued-bytes', '0'])).toThrow(expect.objectContaining({ code: CliErrorCode.BadConfig }))
    expect(() => configOf(['--headers-timeout-ms', '5000', '--request-timeout-ms', '1000'])).toThrow(
      expect.objectContaining({ code: CliErrorCode.BadConfig }),
    )
  })
})

describe('--no-resolver / ROTA_RESOLVER', () => {
  it('the resolver is on by default; --no-resolver, --resolver off or ROTA_RESOLVER=off turn it off', () => {
    expect(configOf([]).resolver).toBe('on')
    expect(configOf(['--no-resolver']).resolver).toBe('off')
    expect(configOf(['--resolver', 'off']).resolver).toBe('off')
    expect(configOf([], { ROTA_RESOLVER: 'off' }).resolver).toBe('off')
    // Flags win over the environment, as everywhere.
    expect(configOf(['--no-resolver'], { ROTA_RESOLVER: 'on' }).resolver).toBe('off')
    expect(configOf(['--resolver', 'on'], { ROTA_RESOLVER: 'off' }).resolver).toBe('on')
  })

  it('refuses anything but on and off, and --no-resolver with --resolver on', () => {
    const bad = expect.objectContaining({ code: CliErrorCode.BadConfig })
    expect(() => configOf([], { ROTA_RESOLVER: 'no' })).toThrow(bad)
    expect(() => configOf(['--resolver', 'false'])).toThrow(bad)
    expect(() => configOf(['--no-resolver', '--resolver', 'on'])).toThrow(bad)
  })
})

describe('defaults', () => {
  it('are the packages’ own: the server’s limits, host, log level and room timings, the log’s checkpoint interval and schema', async () => {
    const server = await import('@rota/server')
    const { DEFAULT_CHECKPOINT_EVERY } = await import('@rota/log')
    const { DEFAULT_SCHEMA } = await import('@rota/log-postgres')
    const config = configOf([])
    expect(config).toMatchObject({
      host: server.defaultHost,
      logLevel: server.defaultLogLevel,
      compressionThreshold: server.defaultCompressionThreshold,
      clientCompression: server.defaultClientCompression,
      roomIdleMs: server.defaultRoomIdleMs,
      roomHibernateMs: server.defaultRoomHibernateMs,
      checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
      logSchema: DEFAULT_SCHEMA,
    })
    for (const name of cliLimits) {
      expect(config[name], name).toBe(server.defaultLimits[name])
      expect(settings[name].default, name).toBe(server.defaultLimits[name])
    }
  })
})
