import { defineConfig } from 'vitest/config'
import { sourceResolve } from '../../vitest.shared.ts'

export default defineConfig({
  ...sourceResolve,
  test: {
    name: '@rota/provider',
    // Integration tests wait for real sockets and LevelDB with bounded polling (see testing/harness.ts).
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
