// Rota's sync server as an operator runs it: the LevelDB log with durable (fsynced) appends, default settings except
// the per-address limits below (and the client compression mode the harness names).
import { openLevelLog } from '@rota/log-leveldb'
import { startServer, type ClientCompression } from '@rota/server'
import { READY_PREFIX } from '../proc/child.ts'

const dir = process.env.BENCH_DATA_DIR
if (dir === undefined) throw new Error('BENCH_DATA_DIR is required')

const log = await openLevelLog({ dir, durability: 'sync' })
// Every benchmark client comes from 127.0.0.1; the per-address limits (256 connections, 200 messages/s) would
// treat hundreds of simulated users as one abusive address. The peers have no such limits.
const limits = { maxConnectionsPerAddress: 100_000, messagesPerSecond: 1_000_000, messageBurst: 1_000_000 }
const clientCompression = (process.env.BENCH_CLIENT_COMPRESSION ?? 'stream') as ClientCompression
const server = await startServer({ log, port: 0, logger: false, limits, clientCompression })
const stop = async () => {
  await server.close()
  await log.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
process.stdout.write(`${READY_PREFIX}${new URL(server.url).port}\n`)
