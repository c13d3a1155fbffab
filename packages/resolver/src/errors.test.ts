import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { ResolverError, ResolverErrorCode } from './errors.ts'

describe('errors', () => {
  it('[E1] every error code has an HTTP status and is documented in docs/resolver.md', async () => {
    const page = await readFile(new URL('../../../docs/resolver.md', import.meta.url), 'utf8')
    for (const code of Object.values(ResolverErrorCode)) {
      expect(page).toContain(code)
      const err = new ResolverError(code, 'x')
      expect(err.status).toBeGreaterThanOrEqual(400)
      expect(page).toMatch(new RegExp(`\`${code}\` \\| ${err.status} `))
    }
  })
})
