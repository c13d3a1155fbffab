#!/usr/bin/env node
// The `rota` command runs the compiled CLI (dist/: `npm run build`, or the first `npm start`).
// Where this process resolves packages with the `@rota/source` condition (the workspace's tests
// and benchmarks set NODE_OPTIONS=--conditions=@rota/source), the same export resolves to the
// TypeScript sources, and tsx loads them: no build needed there.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = import.meta.resolve('@rota/cli/cli')
if (!existsSync(fileURLToPath(entry))) {
  console.error('rota: not built yet; run `npm run build` (or `npm start`) in the repository first')
  process.exit(1)
}
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api')
  register()
}
await import(entry)
