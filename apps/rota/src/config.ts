import { parseArgs } from 'node:util'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clientCompressionModes, defaultClientCompression, defaultCompressionThreshold, defaultHost, defaultLimits, defaultLogLevel, defaultRoomHibernateMs, defaultRoomIdleMs, type ClientCompression, type Limits } from '@rota/server'
import { DEFAULT_CHECKPOINT_EVERY } from '@rota/log'
import { CliError, CliErrorCode } from './errors.ts'

type Env = Record<string, string | undefined>

/**
 * Every flag of `rota`, with the environment variable it mirrors. Flags win over the
 * environment, the environment over defaults. The first four names are fixed so that
 * tools and deployments can rely on them.
 */
export const settings = {
  port: { flag: 'port', env: 'PORT', type: 'integer', default: 1234, help: 'TCP port (0 = any free port)' },
  host: { flag: 'host', env: 'HOST', type: 'string', default: defaultHost, help: 'Address to listen on' },
  dataDir: { flag: 'data-dir', env: 'ROTA_DATA_DIR', type: 'string', default: './data', help: 'LevelDB data directory' },
  logLevel: {
    flag: 'log-level',
    env: 'ROTA_LOG_LEVEL',
    type: 'string',
    default: defaultLogLevel,
    help: 'fatal, error, warn, info, debug, trace or silent',
  },
  logUrl: {
    flag: 'log-url',
    env: 'ROTA_LOG_URL',
    type: 'string',
    default: '',
    help: 'PostgreSQL update log, postgres://… (create its schema with rota migrate); empty: the embedded LevelDB log in the data directory',
  },
  // @rota/log-postgres's DEFAULT_SCHEMA, spelled out: importing it would load pg for every command (logBackend.ts
  // loads it only when --log-url is set); config.test.ts checks that the two agree.
  logSchema: { flag: 'log-schema', env: 'ROTA_LOG_SCHEMA', type: 'string', default: 'rota', help: 'Schema of the PostgreSQL log' },
  busUrl: {
    flag: 'bus-url',
    env: 'ROTA_BUS_URL',
    type: 'string',
    default: '',
    help: 'Redis bus between instances on one --log-url, redis://…; empty: a single instance',
  },
  instanceId: {
    flag: 'instance-id',
    env: 'ROTA_INSTANCE_ID',
    type: 'string',
    default: '',
    help: 'This instance\'s id on the bus (empty: <host>-<pid>-<random>)',
  },
  durability: {
    flag: 'durability',
    env: 'ROTA_DURABILITY',
    type: 'string',
    default: 'sync',
    help: 'sync (fsync before acknowledging) or buffered (survives a process crash, not a power cut)',
  },
  checkpointEvery: {
    flag: 'checkpoint-every',
    env: 'ROTA_CHECKPOINT_EVERY',
    type: 'integer',
    default: DEFAULT_CHECKPOINT_EVERY,
    help: 'Entries between document checkpoints',
  },
  compressionThreshold: {
    flag: 'compression-threshold',
    env: 'ROTA_COMPRESSION_THRESHOLD',
    type: 'integer',
    default: defaultCompressionThreshold,
    help: 'Messages of at least this many bytes are deflated',
  },
  clientCompression: {
    flag: 'client-compression',
    env: 'ROTA_CLIENT_COMPRESSION',
    type: 'string',
    default: defaultClientCompression,
    help: 'stream (clients deflate every message, fewest bytes) or large-messages (less CPU)',
  },
  maxMessageSize: {
    flag: 'max-message-size',
    env: 'ROTA_MAX_MESSAGE_SIZE',
    type: 'integer',
    default: defaultLimits.maxMessageSize,
    help: 'Largest WebSocket message in bytes (close 1009 above)',
  },
  maxConnectionsPerAddress: {
    flag: 'max-connections-per-address',
    env: 'ROTA_MAX_CONNECTIONS_PER_ADDRESS',
    type: 'integer',
    default: defaultLimits.maxConnectionsPerAddress,
    help: 'Open connections per client address (close 4409 above)',
  },
  messagesPerSecond: {
    flag: 'messages-per-second',
    env: 'ROTA_MESSAGES_PER_SECOND',
    type: 'integer',
    default: defaultLimits.messagesPerSecond,
    help: 'Sustained messages per second per connection (close 4429 above)',
  },
  messageBurst: {
    flag: 'message-burst',
    env: 'ROTA_MESSAGE_BURST',
    type: 'integer',
    default: defaultLimits.messageBurst,
    help: 'Messages a connection may send in a burst',
  },
  maxPendingAuth: {
    flag: 'max-pending-auth',
    env: 'ROTA_MAX_PENDING_AUTH',
    type: 'integer',
    default: defaultLimits.maxPendingAuth,
    help: 'Connections authenticating at once, server-wide (close 4429 above)',
  },
  maxQueuedBytes: {
    flag: 'max-queued-bytes',
    env: 'ROTA_MAX_QUEUED_BYTES',
    type: 'integer',
    default: defaultLimits.maxQueuedBytes,
    help: 'Bytes waiting to be written to one WebSocket before it is closed as a slow reader (close 4413)',
  },
  closeTimeoutMs: {
    flag: 'close-timeout-ms',
    env: 'ROTA_CLOSE_TIMEOUT_MS',
    type: 'integer',
    default: defaultLimits.closeTimeoutMs,
    help: 'Time a closing connection gets before its socket is destroyed; the shutdown grace',
  },
  headersTimeoutMs: {
    flag: 'headers-timeout-ms',
    env: 'ROTA_HEADERS_TIMEOUT_MS',
    type: 'integer',
    default: defaultLimits.headersTimeoutMs,
    help: 'Time to send complete HTTP request headers (408 after)',
  },
  requestTimeoutMs: {
    flag: 'request-timeout-ms',
    env: 'ROTA_REQUEST_TIMEOUT_MS',
    type: 'integer',
    default: defaultLimits.requestTimeoutMs,
    help: 'Time to send a complete HTTP request, body included (408 after)',
  },
  keepAliveTimeoutMs: {
    flag: 'keep-alive-timeout-ms',
    env: 'ROTA_KEEP_ALIVE_TIMEOUT_MS',
    type: 'integer',
    default: defaultLimits.keepAliveTimeoutMs,
    help: 'How long an idle keep-alive HTTP connection is kept',
  },
  connectionTimeoutMs: {
    flag: 'connection-timeout-ms',
    env: 'ROTA_CONNECTION_TIMEOUT_MS',
    type: 'integer',
    default: defaultLimits.connectionTimeoutMs,
    help: 'An HTTP socket silent this long is closed (not WebSockets)',
  },
  maxUnfinishedRequestsPerAddress: {
    flag: 'max-unfinished-requests-per-address',
    env: 'ROTA_MAX_UNFINISHED_REQUESTS_PER_ADDRESS',
    type: 'integer',
    default: defaultLimits.maxUnfinishedRequestsPerAddress,
    help: 'HTTP connections per address with a request not yet answered (closed at once above)',
  },
  roomIdleMs: {
    flag: 'room-idle-ms',
    env: 'ROTA_ROOM_IDLE_MS',
    type: 'integer',
    default: defaultRoomIdleMs,
    help: 'How long a document stays in memory after its last editor left',
  },
  roomHibernateMs: {
    flag: 'room-hibernate-ms',
    env: 'ROTA_ROOM_HIBERNATE_MS',
    type: 'integer',
    default: defaultRoomHibernateMs,
    help: 'An open document nobody used for this long keeps only its encoded state (0: never)',
  },
  resolver: {
    flag: 'resolver',
    env: 'ROTA_RESOLVER',
    type: 'string',
    default: 'on',
    help: 'on or off (also --no-resolver): the conflict resolver and its /api/docs/:doc/conflicts routes',
  },
  webhooksAllowPrivate: {
    flag: 'webhooks-allow-private',
    env: 'ROTA_WEBHOOKS_ALLOW_PRIVATE',
    type: 'string',
    default: 'off',
    help: 'on or off: webhook URLs may name loopback, private and link-local addresses (off: refused, against SSRF)',
  },
  webRoot: {
    flag: 'web-root',
    env: 'ROTA_WEB_ROOT',
    type: 'string',
    default: fileURLToPath(new URL('../../web/dist', import.meta.url)),
    help: 'Built web app served at / (skipped when missing)',
  },
} as const

export type SettingName = keyof typeof settings

/** The server limits `rota` has a flag for: each defaults to `defaultLimits` and must be positive. */
export const cliLimits = ['maxMessageSize', 'maxConnectionsPerAddress', 'messagesPerSecond', 'messageBurst', 'maxPendingAuth',
  'maxQueuedBytes', 'closeTimeoutMs', 'headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'connectionTimeoutMs',
  'maxUnfinishedRequestsPerAddress'] as const satisfies ReadonlyArray<keyof Limits>

export interface Config extends Pick<Limits, (typeof cliLimits)[number]> {
  port: number
  host: string
  dataDir: string
  /** '' for the embedded LevelDB log. */
  logUrl: string
  logSchema: string
  /** '' for a single instance (no bus). */
  busUrl: string
  /** '' for one made up at start (see commands/bus.ts). */
  instanceId: string
  logLevel: string
  durability: 'sync' | 'buffered'
  checkpointEvery: number
  compressionThreshold: number
  clientCompression: ClientCompression
  roomIdleMs: number
  roomHibernateMs: number
  /** Whether `rota serve` runs the conflict resolver (on unless `--no-resolver` / `ROTA_RESOLVER=off`). */
  resolver: 'on' | 'off'
  /** Whether webhooks may be delivered to internal addresses (docs/webhooks.md, "Addresses"). */
  webhooksAllowPrivate: 'on' | 'off'
  webRoot: string
}

const logLevels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/** Flags every command understands (auth flags are read by @rota/auth's loadAuthConfig). */
const parseOptions = {
  ...Object.fromEntries(Object.values(settings).map((s) => [s.flag, { type: 'string' as const }])),
  'auth-secret': { type: 'string' as const },
  'auth-public-key': { type: 'string' as const },
  'auth-jwks': { type: 'string' as const },
  'auth-issuer': { type: 'string' as const },
  'auth-audience': { type: 'string' as const },
  'allow-public-open': { type: 'boolean' as const },
  // The boolean spelling of `--resolver off` (Node 20's parseArgs has no negated booleans).
  'no-resolver': { type: 'boolean' as const },
  at: { type: 'string' as const },
  limit: { type: 'string' as const },
  prefix: { type: 'string' as const },
  json: { type: 'boolean' as const },
  // rota export --format csv --kind hours|shifts --from --to
  format: { type: 'string' as const },
  kind: { type: 'string' as const },
  from: { type: 'string' as const },
  to: { type: 'string' as const },
  'truncate-damaged': { type: 'boolean' as const },
  // rota token
  sub: { type: 'string' as const },
  tenant: { type: 'string' as const },
  role: { type: 'string' as const },
  'staff-id': { type: 'string' as const },
  expires: { type: 'string' as const },
  // rota webhooks add
  events: { type: 'string' as const },
  secret: { type: 'string' as const },
  description: { type: 'string' as const },
  // rota team set
  threshold: { type: 'string' as const },
  'always-ask': { type: 'string' as const },
  url: { type: 'string' as const },
  token: { type: 'string' as const },
  help: { type: 'boolean' as const, short: 'h' },
}

export const parseCommandLine = (argv: string[]) => {
  try {
    return parseArgs({ args: argv, options: parseOptions, allowPositionals: true, strict: true })
  } catch (err) {
    throw new CliError(CliErrorCode.Usage, (err as Error).message)
  }
}

export type ParsedValues = ReturnType<typeof parseCommandLine>['values']

/**
 * Resolves the configuration from flags, environment and defaults. A relative data dir is
 * taken from where the command was started: npm sets INIT_CWD, so `npm start` at the
 * repository root keeps data in <root>/data.
 */
export const resolveConfig = (values: ParsedValues, env: Env = process.env, cwd = env.INIT_CWD ?? process.cwd()): Config => {
  const raw = {} as Record<SettingName, string | number>
  for (const [name, setting] of Object.entries(settings) as Array<[SettingName, (typeof settings)[SettingName]]>) {
    const given = (values as Record<string, unknown>)[setting.flag] ?? env[setting.env]
    if (given === undefined || given === '') {
      raw[name] = setting.default
      continue
    }
    const text = String(given)
    if (setting.type === 'integer') {
      if (!/^\d+$/.test(text)) {
        throw new CliError(CliErrorCode.BadConfig, `--${setting.flag} / ${setting.env} must be a non-negative integer, got "${text}"`)
      }
      raw[name] = Number(text)
    } else raw[name] = text
  }
  const config = raw as unknown as Config
  if (config.port > 65535) throw new CliError(CliErrorCode.BadConfig, `--port / PORT must be at most 65535, got ${config.port}`)
  if (!logLevels.has(config.logLevel)) {
    throw new CliError(CliErrorCode.BadConfig, `--log-level / ROTA_LOG_LEVEL must be one of ${[...logLevels].join(', ')}`)
  }
  if (config.busUrl !== '' && !/^rediss?:\/\//.test(config.busUrl)) {
    throw new CliError(CliErrorCode.BadConfig, '--bus-url / ROTA_BUS_URL must be a redis:// or rediss:// URL')
  }
  // Instances on separate logs would relay edits the other's log lacks: a bus needs the shared log.
  if (config.busUrl !== '' && config.logUrl === '') {
    throw new CliError(CliErrorCode.BadConfig, '--bus-url needs a shared log: set --log-url / ROTA_LOG_URL (LevelDB is one process\'s)')
  }
  if (config.durability !== 'sync' && config.durability !== 'buffered') {
    throw new CliError(CliErrorCode.BadConfig, '--durability / ROTA_DURABILITY must be sync or buffered')
  }
  if (values['no-resolver'] === true) {
    if ((values as Record<string, unknown>)[settings.resolver.flag] === 'on') {
      throw new CliError(CliErrorCode.BadConfig, '--no-resolver contradicts --resolver on')
    }
    config.resolver = 'off'
  }
  if (config.resolver !== 'on' && config.resolver !== 'off') {
    throw new CliError(CliErrorCode.BadConfig, '--resolver / ROTA_RESOLVER must be on or off')
  }
  if (config.webhooksAllowPrivate !== 'on' && config.webhooksAllowPrivate !== 'off') {
    throw new CliError(CliErrorCode.BadConfig, '--webhooks-allow-private / ROTA_WEBHOOKS_ALLOW_PRIVATE must be on or off')
  }
  if (!(clientCompressionModes as readonly string[]).includes(config.clientCompression)) {
    throw new CliError(CliErrorCode.BadConfig, `--client-compression / ROTA_CLIENT_COMPRESSION must be ${clientCompressionModes.join(' or ')}`)
  }
  for (const name of ['checkpointEvery', ...cliLimits] as const) {
    if (config[name] === 0) throw new CliError(CliErrorCode.BadConfig, `--${settings[name].flag} must be positive`)
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new CliError(CliErrorCode.BadConfig, '--headers-timeout-ms must not exceed --request-timeout-ms')
  }
  config.dataDir = isAbsolute(config.dataDir) ? config.dataDir : resolve(cwd, config.dataDir)
  config.webRoot = isAbsolute(config.webRoot) ? config.webRoot : resolve(cwd, config.webRoot)
  return config
}

export const usage = (): string => {
  const rows = Object.values(settings).map(
    (s) => `  --${s.flag.padEnd(30)} ${s.env.padEnd(34)} ${s.help} (default ${String(s.default)})`,
  )
  return [
    'Usage: rota <command> [options]',
    '',
    'Commands:',
    '  serve                      Run the sync server',
    '  docs [--prefix p]          List documents with head sequence and last change',
    '  history <doc> [--limit n]  Entries of a document, newest first',
    '  export <doc> [--at seq|ISO-time]  The schedule as JSON on stdout',
    '  export <doc> --format csv --kind hours|shifts --from <date> --to <date>  Hours per person and week, or the shifts, as CSV',
    '  verify [doc]               Check checksums and encodings of every entry (exit 1 on damage)',
    '  restore <doc> --at <seq>   Make a document what it was at seq, as a new entry (history is kept)',
    '  migrate [postgres-url]     Create or upgrade the PostgreSQL log schema and the resolver tables (URL from ROTA_LOG_URL; schema ROTA_LOG_SCHEMA, default rota)',
    '  import-leveldb             Server stopped: move --data-dir\'s log into the PostgreSQL log (--log-url), keeping every seq',
    '  repair [--truncate-damaged]  Server stopped: salvage a damaged LevelDB store, name what was lost',
    '  token --sub s --role r [--tenant t] [--staff-id id] [--expires 1h]  Mint a token with the HS256 secret (development, tests)',
    '  team get <tenant>          A team\'s settings: resolver threshold, kinds always asked, role rules (JSON)',
    '  team set <tenant> [--threshold 0..1] [--always-ask kind,kind]  Change the resolver settings (--always-ask "" clears)',
    '  rules show <tenant>        A team\'s role rules (JSON on stdout; who set them on stderr)',
    '  rules set <tenant> <file|->  Set a team\'s role rules from a JSON document (left-out fields: defaults)',
    '  rules reset <tenant>       Back to the default role rules',
    '  webhooks add <tenant> <url> --events a,b [--secret s] [--description d]  Register a webhook endpoint (prints its secret)',
    '  webhooks list <tenant> | remove|enable <tenant> <id> | deliveries <tenant> <id> [--limit n]  Endpoints, re-enabling, the delivery log',
    '',
    'Options (flag, environment variable):',
    ...rows,
    '  --auth-secret / ROTA_AUTH_SECRET, --auth-public-key / ROTA_AUTH_PUBLIC_KEY, --auth-jwks / ROTA_AUTH_JWKS,',
    '  --auth-issuer / ROTA_AUTH_ISSUER, --auth-audience / ROTA_AUTH_AUDIENCE, --allow-public-open / ROTA_AUTH_ALLOW_PUBLIC_OPEN',
    '  --no-resolver              serve: run without the conflict resolver (same as --resolver off)',
    '  --json                     Machine-readable output (docs, history, verify, restore, repair, rules)',
    '  --url <server> --token <jwt>  docs, history, export, verify, restore, rules, team, webhooks: go through a running server',
    '                             (also ROTA_URL, ROTA_TOKEN); without them the command opens --data-dir (server stopped)',
  ].join('\n')
}
