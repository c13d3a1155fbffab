import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { BENCHMARKS_DIR } from '../proc/child.ts'

/** The installed version of a package, found the way Node resolves it from this workspace (some peers do not export package.json). */
export const installedVersion = (name: string): string => {
  for (let dir = BENCHMARKS_DIR; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', name, 'package.json')
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
    if (path.dirname(dir) === dir) return 'not installed'
  }
}

/** Resolves a file inside an installed package (bin scripts are not in its exports). */
export const installedFile = (name: string, file: string): string => {
  for (let dir = BENCHMARKS_DIR; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name, file)
    if (existsSync(candidate)) return candidate
    if (path.dirname(dir) === dir) throw new Error(`${name}/${file} is not installed`)
  }
}
