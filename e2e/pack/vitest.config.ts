import { defineProject } from 'vitest/config'

// Its own run (`npm run test:pack`, a step of .ci/run), not part of `npm test`: it builds, packs and
// installs from the registry's cache, which the hermetic unit tests never need.
export default defineProject({
  root: import.meta.dirname,
  test: {
    name: 'pack',
    include: ['*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
})
