import { defineConfig } from 'vitest/config'
import { sourceCondition } from './vitest.shared.ts'

// Child processes the tests start (`rota serve`, `node --import tsx …`) inherit this and resolve
// workspace packages to their sources too, so no test needs a build.
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--conditions=${sourceCondition}`].filter(Boolean).join(' ')

// One run covers every workspace: each package's tests sit beside its sources, each with a
// vitest.config.ts that spreads `sourceResolve` from vitest.shared.ts.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'benchmarks'],
  },
})
