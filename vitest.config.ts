import { defineConfig } from 'vitest/config'

// One run covers every workspace: each package's tests sit beside its sources.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'benchmarks'],
  },
})
