import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { openLevelLog } from '@rota/log-leveldb'
import { createMetrics, startServer, type RotaServer } from '@rota/server'
import { assertBindAllowed, createAuth, loadAuthConfig, openModeWarning } from '@rota/auth'
import { resolverExtension } from '@rota/resolver'
import type { Config, ParsedValues } from '../config.ts'

/** Where the update log lives inside the data directory. */
export const logDirOf = (dataDir: string): string => join(dataDir, 'log')

/** Where the resolver keeps conflicts and team models inside the data directory. */
export const resolverDirOf = (dataDir: string): string => join(dataDir, 'resolver')

export interface Serving {
  server: RotaServer
  /** Stops accepting, closes connections with 1001, flushes and closes the log. */
  stop(): Promise<void>
}

/** Opens the log and starts the server; the caller decides about signals (see runServe). */
export const startServing = async (config: Config, values: ParsedValues, env = process.env): Promise<Serving> => {
  const authSettings = loadAuthConfig(env, {
    ...(values['auth-secret'] === undefined ? {} : { authSecret: values['auth-secret'] }),
    ...(values['auth-public-key'] === undefined ? {} : { authPublicKey: values['auth-public-key'] }),
    ...(values['auth-jwks'] === undefined ? {} : { authJwks: values['auth-jwks'] }),
    ...(values['auth-issuer'] === undefined ? {} : { authIssuer: values['auth-issuer'] }),
    ...(values['auth-audience'] === undefined ? {} : { authAudience: values['auth-audience'] }),
    ...(values['allow-public-open'] === undefined ? {} : { allowPublicOpen: values['allow-public-open'] }),
  })
  const auth = createAuth(authSettings)
  assertBindAllowed(config.host, auth.isOpen, authSettings.allowPublicOpen)
  if (auth.isOpen && config.logLevel !== 'silent') console.warn(openModeWarning(config.host))

  mkdirSync(config.dataDir, { recursive: true })
  const metrics = createMetrics()
  const log = await openLevelLog({
    dir: logDirOf(config.dataDir),
    durability: config.durability,
    checkpointEvery: config.checkpointEvery,
    observer: metrics.logObserver,
  })
  let server: RotaServer
  try {
    server = await startServer({
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
      },
      compressionThreshold: config.compressionThreshold,
      clientCompression: config.clientCompression,
      logger: { level: config.logLevel },
      webRoot: config.webRoot,
      roomIdleMs: config.roomIdleMs,
      extensions: [resolverExtension({ dir: resolverDirOf(config.dataDir), registry: metrics.registry })],
    })
  } catch (err) {
    await log.close()
    throw err
  }
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      await server.close()
      await log.close()
    })()
    return stopping
  }
  return { server, stop }
}

/** `rota serve`: runs until SIGTERM or SIGINT, then shuts down gracefully (a second signal forces exit). */
export const runServe = async (config: Config, values: ParsedValues): Promise<void> => {
  const { server, stop } = await startServing(config, values)
  server.app.log.info({ url: server.url, dataDir: config.dataDir, durability: config.durability }, 'rota serving')
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
