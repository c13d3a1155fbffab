// Builds the web app once, before `npm start`, when it has a build script and no dist yet.
// Failure is not fatal: the server runs without the web app.
import { existsSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const web = fileURLToPath(new URL('../../web/', import.meta.url))
const pkg = existsSync(web + 'package.json') ? JSON.parse(readFileSync(web + 'package.json', 'utf8')) : undefined
if (pkg?.scripts?.build === undefined) process.exit(0)
if (existsSync(web + 'dist/index.html')) process.exit(0)
console.error('rota: building the web app (first start only)…')
const result = spawnSync('npm', ['run', 'build', '-w', pkg.name], { stdio: 'inherit', cwd: fileURLToPath(new URL('../../../', import.meta.url)) })
if (result.status !== 0) console.error('rota: the web app did not build; serving the API and WebSocket only')
