/**
 * Builds apps/web/dist before the browser tests when it is missing or older than the
 * sources, so `vitest run` on a fresh clone tests what `npm start` would serve.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const webDir = join(import.meta.dirname, '..')

const newest = (path: string): number => {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).filter((n) => !n.endsWith('.test.ts')).map((n) => newest(join(path, n))))
}

export default function setup(): void {
  const built = join(webDir, 'dist', 'index.html')
  const sources = Math.max(...['src', 'public', 'index.html', 'vite.config.ts'].map((p) => newest(join(webDir, p))))
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return
  execFileSync(process.execPath, [join(webDir, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: webDir,
    stdio: 'inherit',
    // vitest sets NODE_ENV=test, which would make this a development build (no service worker).
    env: { ...process.env, NODE_ENV: 'production' },
  })
}
