import { defineProject } from 'vitest/config'

// Real sockets and LevelDB on a shared 2-core machine: generous bounds, never timing assertions.
export default defineProject({
  test: {
    name: '@rota/server',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
