import os from 'node:os'
import { installedVersion } from '../systems/versions.ts'

export interface MachineInfo { cpus: number; cpuModel: string; memoryGB: number; platform: string; node: string; loadAverage: number[] }

export const machineInfo = (): MachineInfo => ({
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGB: Math.round(os.totalmem() / 1e9),
  platform: `${os.platform()} ${os.release()}`,
  node: process.version,
  loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
})

const PACKAGES = ['yjs', 'y-websocket', '@y/websocket-server', 'y-leveldb', '@hocuspocus/server', '@hocuspocus/extension-sqlite',
  '@hocuspocus/provider', 'better-sqlite3', 'ws', '@rota/server', '@rota/log-leveldb', '@rota/provider', '@rota/cli', '@rota/resolver']

export const packageVersions = (): Record<string, string> => Object.fromEntries(PACKAGES.map((name) => [name, installedVersion(name)]))
