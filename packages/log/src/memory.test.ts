import { runUpdateLogCompliance } from './compliance.ts'
import { createMemoryLog, createMemoryStore } from './memory.ts'
import type { UpdateLog } from './types.ts'

runUpdateLogCompliance(
  'memory',
  async () => {
    const store = createMemoryStore()
    const logs: UpdateLog[] = [createMemoryLog({ store })]
    return {
      log: logs[0]!,
      openAnother: async () => {
        const another = createMemoryLog({ store })
        logs.push(another)
        return another
      },
      cleanup: async () => {
        for (const log of logs) await log.close()
      },
    }
  },
  { persistent: false, shared: true },
)
