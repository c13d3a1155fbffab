import { describe } from 'vitest'
import { runUpdateLogCompliance } from '@rota/log/compliance'
import type { UpdateLog } from '@rota/log'
import { openPostgresLog } from './pg-log.ts'
import type { PostgresLogOptions } from './pg-log.ts'
import { HAS_POSTGRES, POSTGRES_URL, migratedSchema } from './test-db.ts'

/** Each test gets its own schema; `openAnother` is a second log object on it, as a second instance. */
function setup(options: Partial<PostgresLogOptions>) {
  return async () => {
    const { schema, drop } = await migratedSchema()
    const open = () => openPostgresLog({ url: POSTGRES_URL, schema, ...options })
    let log = await open()
    const others: UpdateLog[] = []
    return {
      log,
      reopen: async () => {
        await log.close()
        log = await open()
        return log
      },
      openAnother: async () => {
        const another = await open()
        others.push(another)
        return another
      },
      cleanup: async () => {
        for (const each of [log, ...others]) await each.close()
        await drop()
      },
    }
  }
}

describe.skipIf(!HAS_POSTGRES)('PostgreSQL backend', () => {
  runUpdateLogCompliance('postgres', setup({}), { persistent: true, shared: true })
  runUpdateLogCompliance('postgres, checkpoint every 3', setup({ checkpointEvery: 3 }), { persistent: true, shared: true })
  // One entry per batch: every append its own transaction, so concurrent appends interleave most.
  runUpdateLogCompliance('postgres, one entry per batch, checkpoint every 2', setup({ maxBatchEntries: 1, checkpointEvery: 2 }), {
    persistent: true,
    shared: true,
  })
})
