import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createMetrics, roleRulesExtension, startServer, type RotaServer } from '@rota/server'
import { assertBindAllowed, createAuth, loadAuthConfig, loadRoleRulesCache, openModeWarning, type AuthSettings, type RoleRulesCache } from '@rota/auth'
import { resolverExtension, type Resolver } from '@rota/resolver'
import { publishExtension, type NoticeSink, type PublicationStore } from '@rota/publish'
import { calendarExtension } from '@rota/calendar'
import { createWebhooks } from '@rota/webhooks'
import type { Config, ParsedValues } from '../config.ts'
import { defaultInstanceId, lateLogger, openBus } from './bus.ts'
import { openLevelRoleRulesStore } from '../roleRulesStore.ts'
import { openUpdateLog } from './logBackend.ts'
import { rulesDirOf } from './paths.ts'
import { openResolverBackend } from './resolverBackend.ts'

export { logDirOf, resolverDirOf, rulesDirOf } from './paths.ts'

/** Where publications, receipts, publishing settings and inboxes live inside the data directory. */
export const publishDirOf = (dataDir: string): string => join(dataDir, 'publish')

/** Where calendar feeds (token hashes) and the events each feed showed live inside the data directory. */
const calendarDirOf = (dataDir: string): string => join(dataDir, 'calendar')

/** Where webhook endpoints, their outbox and delivery log live inside the data directory. */
export const webhooksDirOf = (dataDir: string): string => join(dataDir, 'webhooks')

export interface Serving {
  server: RotaServer
  /** The teams' role rules, as the auth hooks read them (embedding, tests). */
  rules: RoleRulesCache
  /** Stops accepting, closes connections with 1001, flushes and closes the log and the rules store. */
  stop(): Promise<void>
}

/** The auth settings of the command line and environment (flags win), as @rota/auth reads them. */
export const authSettingsOf = (values: ParsedValues, env: NodeJS.ProcessEnv = process.env): AuthSettings =>
  loadAuthConfig(env, {
    ...(values['auth-secret'] === undefined ? {} : { authSecret: values['auth-secret'] }),
    ...(values['auth-public-key'] === undefined ? {} : { authPublicKey: values['auth-public-key'] }),
    ...(values['auth-jwks'] === undefined ? {} : { authJwks: values['auth-jwks'] }),
    ...(values['auth-issuer'] === undefined ? {} : { authIssuer: values['auth-issuer'] }),
    ...(values['auth-audience'] === undefined ? {} : { authAudience: values['auth-audience'] }),
    ...(values['allow-public-open'] === undefined ? {} : { allowPublicOpen: values['allow-public-open'] }),
  })

/**
 * Opens the rules store and the log and starts the server; the caller decides about signals (see runServe).
 * The rules are loaded before the server listens, so the first update is judged by the team's own rules.
 */
export const startServing = async (config: Config, values: ParsedValues, env = process.env): Promise<Serving> => {
  const authSettings = authSettingsOf(values, env)
  mkdirSync(config.dataDir, { recursive: true })
  // What is open so far: closed newest first by stop(), or at once when a later step fails.
  const opened: Array<() => Promise<void>> = []
  const closeAll = async () => {
    for (const close of [...opened].reverse()) await close()
  }
  try {
    const rulesStore = await openLevelRoleRulesStore(rulesDirOf(config.dataDir))
    opened.push(() => rulesStore.close())
    const rules = await loadRoleRulesCache(rulesStore)
    const auth = createAuth(authSettings, { rules })
    assertBindAllowed(config.host, auth.isOpen, authSettings.allowPublicOpen)
    if (auth.isOpen && config.logLevel !== 'silent') console.warn(openModeWarning(config.host))

    const metrics = createMetrics()
    const log = await openUpdateLog(config, metrics.logObserver)
    opened.push(() => log.close())
    // Several instances on one --log-url: the bus joins them (bus.ts); it closes after the server.
    const busLogger = lateLogger()
    // One id for this instance on the bus and in the resolver's lease rows (made up when not configured).
    const instance = { ...config, instanceId: config.instanceId || defaultInstanceId() }
    const bus = await openBus(instance, busLogger)
    if (bus !== undefined) opened.push(() => bus.close())
    // With --log-url the resolver's store is PostgreSQL too, shared by the instances (resolverBackend.ts).
    const resolverBackend = config.resolver === 'on' ? await openResolverBackend(instance) : undefined
    if (resolverBackend !== undefined) opened.push(() => resolverBackend.close())
    // Publishing asks the resolver (when it runs) for the open conflicts of a range it previews.
    let resolver: Resolver | undefined
    // The calendar feeds read what publishing stored (its store is ready once its plugin is).
    let publications: PublicationStore | undefined
    // The publish inbox, told of the resolver's conflicts (it hears of refused changes from the server itself).
    let inboxNotices: NoticeSink | undefined
    // Publishing's events feed the webhooks' outbox (registered before publishing, so it is ready first).
    const webhooks = createWebhooks({ dir: webhooksDirOf(config.dataDir), registry: metrics.registry, allowPrivateAddresses: config.webhooksAllowPrivate === 'on' })
    // server.close() waits for pending appends and rule writes, so the stores close after it.
    const server = await startServer({
      log,
      host: config.host,
      port: config.port,
      hooks: auth,
      metrics,
      limits: {
        maxMessageSize: config.maxMessageSize,
        maxConnectionsPerAddress: config.maxConnectionsPerAddress,
        messagesPerSecond: config.messagesPerSecond,
        messageBurst: config.messageBurst,
        maxPendingAuth: config.maxPendingAuth,
        maxQueuedBytes: config.maxQueuedBytes,
        closeTimeoutMs: config.closeTimeoutMs,
        headersTimeoutMs: config.headersTimeoutMs,
        requestTimeoutMs: config.requestTimeoutMs,
        keepAliveTimeoutMs: config.keepAliveTimeoutMs,
        connectionTimeoutMs: config.connectionTimeoutMs,
        maxUnfinishedRequestsPerAddress: config.maxUnfinishedRequestsPerAddress,
      },
      compressionThreshold: config.compressionThreshold,
      clientCompression: config.clientCompression,
      logger: { level: config.logLevel },
      webRoot: config.webRoot,
      roomIdleMs: config.roomIdleMs,
      roomHibernateMs: config.roomHibernateMs,
      ...(bus === undefined ? {} : { replication: { bus } }),
      extensions: [
        // On unless the operator turned it off: without it nothing detects conflicts or serves their routes.
        ...(resolverBackend !== undefined
          ? [resolverExtension({
              ...resolverBackend.options, registry: metrics.registry, onReady: (r) => (resolver = r),
              // Conflicts that need a decision or were resolved automatically go to the people's inboxes.
              onConflicts: (doc, conflicts) => inboxNotices?.conflicts(doc, conflicts),
            })]
          : []),
        roleRulesExtension({ cache: rules }),
        webhooks.extension,
        publishExtension({
          dir: publishDirOf(config.dataDir), registry: metrics.registry, conflicts: async (doc) => (await resolver?.list(doc, 'open')) ?? [],
          onEvent: webhooks.publishListener,
          onReady: ({ context, notices }) => {
            publications = context.publications
            inboxNotices = notices
          },
        }),
        // Each person's published shifts as an iCalendar feed, and the CSV exports (docs/calendar.md).
        calendarExtension({ dir: calendarDirOf(config.dataDir), publications: () => publications }),
      ],
    })
    opened.push(() => server.close())
    busLogger.bind(server.app.log)
    let stopping: Promise<void> | undefined
    const stop = () => (stopping ??= closeAll())
    return { server, rules, stop }
  } catch (err) {
    await closeAll()
    throw err
  }
}

/** `rota serve`: runs until SIGTERM or SIGINT, then shuts down gracefully (a second signal forces exit). */
export const runServe = async (config: Config, values: ParsedValues): Promise<void> => {
  const { server, stop } = await startServing(config, values)
  const logBackend = config.logUrl === '' ? 'leveldb' : 'postgres'
  const bus = config.busUrl === '' ? 'none' : 'redis'
  server.app.log.info({ url: server.url, dataDir: config.dataDir, log: logBackend, bus, durability: config.durability, resolver: config.resolver }, 'rota serving')
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      server.app.log.info({ signal }, 'shutting down')
      process.once(signal, () => process.exit(1))
      stop().then(resolve, (err: unknown) => {
        server.app.log.error({ err }, 'shutdown failed')
        process.exitCode = 1
        resolve()
      })
    }
    process.once('SIGTERM', onSignal)
    process.once('SIGINT', onSignal)
  })
}
