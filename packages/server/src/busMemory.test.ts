import { runBusCompliance } from './busCompliance.ts'
import { createMemoryBusHub, type MemoryBusHub } from './busMemory.ts'

let hub: MemoryBusHub
runBusCompliance('memory', async () => {
  hub = createMemoryBusHub()
  return {
    open: async (instanceId) => hub.connect(instanceId),
    outage: { stop: async () => hub.down(), start: async () => hub.up() },
    cleanup: async () => undefined,
  }
})
