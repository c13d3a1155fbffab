import { randomUUID } from 'node:crypto'
import { describe } from 'vitest'
import { runBusCompliance } from '@rota/server/bus-compliance'
import { createRedisBus } from './redis-bus.ts'
import { announceSkip, startOwnRedis, testRedisUrl } from './test-redis.ts'

announceSkip('redis-bus.test.ts')

describe.skipIf(testRedisUrl === undefined || testRedisUrl === '')('Redis', () => {
  runBusCompliance('redis', async (needs) => {
    if (needs.outage !== true) {
      // The shared server, under a prefix of the test's own: nothing else hears it.
      const prefix = `test-${randomUUID()}`
      return { open: async (instanceId) => createRedisBus({ url: testRedisUrl!, instanceId, prefix }), cleanup: async () => undefined }
    }
    // A redis-server of the test's own, which it stops and starts.
    const redis = await startOwnRedis()
    return {
      open: async (instanceId) => createRedisBus({ url: redis.url, instanceId, maxReconnectDelayMs: 100 }),
      outage: { stop: () => redis.down(), start: () => redis.up() },
      cleanup: () => redis.destroy(),
    }
  })
})
