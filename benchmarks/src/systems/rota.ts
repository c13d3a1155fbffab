import path from 'node:path'
import { parseReadyLine, spawnServer, tsxEntry } from '../proc/child.ts'
import { connectRotaProvider, connectYWebsocket } from './clients.ts'
import type { System } from './types.ts'
import { installedVersion } from './versions.ts'

const startRota = (dataDir: string) =>
  spawnServer({ ...tsxEntry('rota.server.ts'), env: { BENCH_DATA_DIR: path.join(dataDir, 'rota-log') }, readyPort: parseReadyLine })

const DURABILITY = 'every update appended to the LevelDB log and fsynced (durability: sync) before it is acknowledged (relayed to other clients as soon as it is applied, once its append has started)'
const version = installedVersion('@rota/server')

/** Rota's server with the stock y-websocket client: what any existing Yjs app gets by pointing at Rota. */
export const rota: System = {
  id: 'rota',
  label: `Rota ${version} + LevelDB log, y-websocket ${installedVersion('y-websocket')} client`,
  server: 'rota',
  durability: DURABILITY,
  isRota: true,
  // Rooms nobody is connected to unload after roomIdleMs, 30 s by default (@rota/server config.ts defaultRoomIdleMs).
  unloadAfterMs: 30_000,
  start: startRota,
  connect: (url, docName, doc) => connectYWebsocket(url, docName, doc),
}

/** Rota's server with the Rota provider (durability acknowledgements, reconnect policy). */
export const rotaProvider: System = {
  ...rota,
  id: 'rota-provider',
  label: `Rota ${version} + LevelDB log, Rota provider`,
  connect: (url, docName, doc) => connectRotaProvider(url, docName, doc),
}
