import { defineProject } from 'vitest/config'
import { sourceResolve } from '../../vitest.shared.ts'

// Real sockets and LevelDB on a shared 2-core machine: generous bounds, never timing assertions.
export default defineProject({
  ...sourceResolve,
  test: {
    name: '@rota/server',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
