import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runUpdateLogCompliance } from '@rota/log/compliance'
import { openLevelLog } from './level-log.ts'
import type { LevelLog, LevelLogOptions } from './level-log.ts'

/** Compliance with checkpoints after every 3 entries, so loads always mix checkpoints and tails. */
function setup(options: Partial<LevelLogOptions>) {
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-log-'))
    let log: LevelLog = await openLevelLog({ dir, ...options })
    return {
      log,
      reopen: async () => {
        await log.close()
        log = await openLevelLog({ dir, ...options })
        return log
      },
      cleanup: async () => {
        await log.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  }
}

runUpdateLogCompliance('leveldb', setup({}), { persistent: true })
runUpdateLogCompliance('leveldb, buffered, checkpoint every 3', setup({ durability: 'buffered', checkpointEvery: 3 }), { persistent: true })
