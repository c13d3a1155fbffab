// Rota's sync server as an operator runs it: the LevelDB log with durable (fsynced) appends, other settings default.
import { openLevelLog } from '@rota/log-leveldb'
import { startServer } from '@rota/server'
import { READY_PREFIX } from '../proc/child.ts'

const dir = process.env.BENCH_DATA_DIR
if (dir === undefined) throw new Error('BENCH_DATA_DIR is required')

const log = await openLevelLog({ dir, durability: 'sync' })
const server = await startServer({ log, port: 0, logger: false })
const stop = async () => {
  await server.close()
  await log.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
process.stdout.write(`${READY_PREFIX}${new URL(server.url).port}\n`)
