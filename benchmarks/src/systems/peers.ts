import path from 'node:path'
import { findFreePort } from '../net/proxy.ts'
import { parseReadyLine, spawnServer, tsxEntry } from '../proc/child.ts'
import { connectHocuspocus, connectYWebsocket } from './clients.ts'
import type { System } from './types.ts'
import { installedFile, installedVersion } from './versions.ts'

/**
 * @y/websocket-server started as its README says (`HOST=… PORT=… YPERSISTENCE=./dbDir npx y-websocket`), i.e. its
 * bin script in a child process, with the stock y-websocket client.
 */
export const yWebsocketServer: System = {
  id: 'y-websocket-server',
  label: `@y/websocket-server ${installedVersion('@y/websocket-server')} + y-leveldb ${installedVersion('y-leveldb')}, y-websocket ${installedVersion('y-websocket')} client`,
  server: 'y-websocket-server',
  durability: 'each update handed to LevelDB as it arrives (y-leveldb storeUpdate, not awaited, no fsync): '
    + 'broadcast before it is written; survives a process crash once written, not a power loss',
  isRota: false,
  // The last connection closing writes the state and destroys the document at once (utils.js closeConn).
  unloadAfterMs: 0,
  hibernateAfterMs: 0,
  start: async (dataDir) => {
    const port = await findFreePort()
    const readyLine = `on port ${port}`
    return spawnServer({
      command: process.execPath,
      args: [installedFile('@y/websocket-server', 'src/server.js')],
      env: { HOST: '127.0.0.1', PORT: String(port), YPERSISTENCE: path.join(dataDir, 'leveldb') },
      readyPort: (line) => (line.includes(readyLine) ? port : undefined),
    })
  },
  connect: (url, docName, doc) => connectYWebsocket(url, docName, doc),
}

const hocuspocusLabel = `@hocuspocus/server ${installedVersion('@hocuspocus/server')} + extension-sqlite ${installedVersion('@hocuspocus/extension-sqlite')}, `
  + `@hocuspocus/provider ${installedVersion('@hocuspocus/provider')} client`

const startHocuspocus = (dataDir: string, env: Record<string, string> = {}) =>
  spawnServer({
    ...tsxEntry('hocuspocus.server.ts'),
    env: { BENCH_DB_FILE: path.join(dataDir, 'hocuspocus.sqlite'), ...env },
    readyPort: parseReadyLine,
  })

/** Hocuspocus with extension-sqlite at its defaults (a database file, as its docs show, instead of the default :memory:). */
export const hocuspocus: System = {
  id: 'hocuspocus',
  label: hocuspocusLabel,
  server: 'hocuspocus',
  durability: 'whole document stored to SQLite (synchronous=FULL) once edits pause for 2 s (at most every 10 s): '
    + 'everything since the last store is lost on kill -9',
  isRota: false,
  // unloadImmediately (default true): the last disconnect stores the document now, then unloads it.
  unloadAfterMs: 0,
  hibernateAfterMs: 0,
  start: (dataDir) => startHocuspocus(dataDir),
  connect: (url, docName, doc) => connectHocuspocus(url, docName, doc),
}

/** Hocuspocus configured to store on every change (debounce 0): its durable mode, for the ingest comparison. */
export const hocuspocusStoreEveryChange: System = {
  ...hocuspocus,
  id: 'hocuspocus-store-every-change',
  label: `${hocuspocusLabel}, debounce 0`,
  durability: 'whole document stored to SQLite (synchronous=FULL) after every change, not before the broadcast',
  start: (dataDir) => startHocuspocus(dataDir, { BENCH_HOCUSPOCUS_DEBOUNCE: '0' }),
}
