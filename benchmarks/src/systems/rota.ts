import path from 'node:path'
import { defaultClientCompression, type ClientCompression } from '@rota/server'
import { compiledEntry, parseReadyLine, spawnServer } from '../proc/child.ts'
import { connectRotaProvider, connectYWebsocket } from './clients.ts'
import type { System } from './types.ts'
import { installedVersion } from './versions.ts'

/** The compiled `rota serve` with its configuration (servers/rota.server.mjs): the resolver on, as operators run it, unless told off. */
const startRota = (dataDir: string, clientCompression: ClientCompression = defaultClientCompression, resolver: 'on' | 'off' = 'on') => {
  const { command, args, env } = compiledEntry('rota.server.mjs')
  return spawnServer({
    command,
    args,
    // `rota serve`'s data directory: log/, resolver/ and rules/ under it.
    env: { ...env, BENCH_DATA_DIR: path.join(dataDir, 'rota-data'), BENCH_CLIENT_COMPRESSION: clientCompression, BENCH_ROTA_RESOLVER: resolver },
    readyPort: parseReadyLine,
  })
}

const DURABILITY = 'every update appended to the LevelDB log and fsynced (durability: sync) before it is acknowledged (relayed to other clients as soon as it is applied, once its append has started)'
const version = installedVersion('@rota/server')

/**
 * Rota's server as `rota serve` runs it (conflict resolver on) with the stock y-websocket client: what any existing Yjs
 * app gets by pointing at Rota.
 */
export const rota: System = {
  id: 'rota',
  label: `Rota ${version} (compiled rota serve: LevelDB log, resolver on), y-websocket ${installedVersion('y-websocket')} client`,
  server: 'rota',
  durability: DURABILITY,
  isRota: true,
  // Rooms nobody is connected to unload after roomIdleMs, 30 s by default (@rota/server config.ts defaultRoomIdleMs).
  unloadAfterMs: 30_000,
  // An open document nobody used for 15-30 s hibernates (roomHibernateMs, @rota/server config.ts defaultRoomHibernateMs).
  hibernateAfterMs: 30_000,
  start: startRota,
  connect: (url, docName, doc) => connectYWebsocket(url, docName, doc),
}

/** Rota's server with the Rota provider (durability acknowledgements, reconnect policy). */
export const rotaProvider: System = {
  ...rota,
  id: 'rota-provider',
  label: `Rota ${version} (rota serve: LevelDB log, resolver on), Rota provider`,
  connect: (url, docName, doc) => connectRotaProvider(url, docName, doc),
}

/**
 * The same with the server's `clientCompression: 'large-messages'`: clients send small edits raw (more bytes,
 * less CPU on both sides; docs/protocol.md, Compression). Measured beside the default so the trade-off shows.
 */
export const rotaProviderLargeMessages: System = {
  ...rotaProvider,
  id: 'rota-provider-large-messages',
  label: `Rota ${version} (rota serve --client-compression large-messages, resolver on), Rota provider`,
  start: (dataDir) => startRota(dataDir, 'large-messages'),
}

/**
 * Not what operators run: `rota serve --no-resolver`, with the stock client, beside `rota` so that the resolver's cost
 * shows as the difference between the two rows.
 */
export const rotaNoResolver: System = {
  ...rota,
  id: 'rota-no-resolver',
  label: `Rota ${version} (rota serve --no-resolver: resolver OFF, not the default), y-websocket ${installedVersion('y-websocket')} client`,
  start: (dataDir) => startRota(dataDir, defaultClientCompression, 'off'),
}
