/**
 * A stranger's project: the public packages as `npm pack` makes them, installed from their tarballs
 * into a directory outside the workspace, and run without the workspace's source condition (no
 * NODE_OPTIONS), so nothing can reach a TypeScript source by accident.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { join } from 'node:path'

export const workspace = join(import.meta.dirname, '..', '..')

export const publicPackages = ['errors', 'model', 'protocol', 'log', 'log-leveldb', 'auth', 'server', 'resolver', 'provider']

/** Third-party packages the consumer itself imports, at the workspace's pinned versions. */
const consumerDeps = ['yjs', 'ws', '@types/node', '@types/ws']

/** The environment of someone who never saw this repository's source condition. */
const strangerEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  return env
}

/** Runs a command to completion; throws with its output when it fails. */
export const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = strangerEnv()): string => {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 })
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})\n${result.stdout}\n${result.stderr}`)
  }
  return result.stdout
}

const workspaceVersion = (name: string): string => {
  const lock = JSON.parse(readFileSync(join(workspace, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> }
  const version = lock.packages[`node_modules/${name}`]?.version
  if (version === undefined) throw new Error(`${name} is not in the workspace's lockfile`)
  return version
}

/** Builds (tsc -b: only what is stale), packs each public package into `dir`, installs them into `dir/app`. */
export const packAndInstall = (dir: string): string => {
  run(process.execPath, [join(workspace, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], workspace)
  const packed = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir, ...publicPackages.flatMap((p) => ['-w', `@rota/${p}`])], workspace),
  ) as { filename: string }[]
  const app = join(dir, 'app')
  run('mkdir', ['-p', app], dir)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'stranger', private: true, type: 'module' }, null, 2))
  const tarballs = packed.map((p) => join(dir, p.filename))
  const deps = consumerDeps.map((name) => `${name}@${workspaceVersion(name)}`)
  // Third-party dependencies come from npm's cache where it has them (CI's `npm ci` filled it).
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs, ...deps], app)
  return app
}

export interface Serving {
  child: ChildProcess
  url: string
  stop(): Promise<void>
}

/** `rota serve` from the workspace, compiled (no source condition), on 127.0.0.1 and a free port. */
export const startRotaServe = (dataDir: string): Promise<Serving> =>
  new Promise((resolve, reject) => {
    const bin = join(workspace, 'apps', 'rota', 'bin', 'rota.js')
    const child = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {
      env: { ...strangerEnv(), ROTA_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`rota serve exited with ${code}\n${stderr}`)))
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    }
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return
      const record = JSON.parse(line) as { msg?: string; url?: string }
      if (record.msg === 'rota serving' && record.url !== undefined) resolve({ child, url: record.url, stop })
    })
  })

/** A README's usage example (its first `js` block) and what it prints (the `text` block after "Prints:"). */
export const readmeExample = (pkg: string): { code: string; prints: string | undefined } => {
  const readme = readFileSync(join(workspace, 'packages', pkg, 'README.md'), 'utf8')
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1]
  if (code === undefined) throw new Error(`packages/${pkg}/README.md has no js example`)
  const prints = /Prints:\s*```text\n([\s\S]*?)```/.exec(readme)?.[1]
  return { code, prints: prints?.trimEnd() }
}
