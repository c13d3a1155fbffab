import { defineProject } from 'vitest/config'
import { sourceResolve } from '../../vitest.shared.ts'

// Child processes and LevelDB on a shared machine: generous bounds, never timing assertions.
export default defineProject({
  ...sourceResolve,
  test: {
    name: '@rota/cli',
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
