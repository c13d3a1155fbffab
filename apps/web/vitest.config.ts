import { defineConfig } from 'vitest/config'
import { sourceResolve } from '../../vitest.shared.ts'

// Unit tests of the pure UI logic (src) and browser tests against a real server (e2e).
// The e2e files share one machine's two cores with everything else: they run one at a time.
export default defineConfig({
  ...sourceResolve,
  test: {
    name: '@rota/web',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
