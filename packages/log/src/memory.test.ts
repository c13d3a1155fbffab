import { runUpdateLogCompliance } from './compliance.ts'
import { createMemoryLog } from './memory.ts'

runUpdateLogCompliance(
  'memory',
  async () => {
    const log = createMemoryLog()
    return { log, cleanup: () => log.close() }
  },
  { persistent: false },
)
