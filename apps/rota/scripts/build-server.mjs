// Compiles the server and the packages it uses before `npm start`, when their build is missing
// or older than the sources: `tsc -b` keeps that check itself (a second or so when up to date),
// so a fresh clone still needs nothing but `npm install` first. Unlike the web app, the server
// cannot run without it: a failed build fails the start.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const tsc = root + 'node_modules/typescript/bin/tsc'
const built = existsSync(fileURLToPath(new URL('../dist/cli.js', import.meta.url)))
if (!existsSync(tsc)) {
  // An install without dev dependencies: run what is there, or say what is missing.
  if (built) process.exit(0)
  console.error('rota: no build and no TypeScript to make one; run `npm install` (with dev dependencies), then `npm run build`')
  process.exit(1)
}
if (!built) console.error('rota: compiling the server (first start only)…')
const result = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { stdio: 'inherit', cwd: root })
process.exit(result.status ?? 1)
