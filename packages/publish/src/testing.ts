/**
 * Helpers for the tests of this package and of the extensions built on it: a real server (auth, LevelDB log, the
 * extensions' stores) on 127.0.0.1 port 0, tokens for it, one-request calls. Other packages import it as
 * `@rota/publish/testing`, an export only the workspace's `@rota/source` condition resolves (it is not built).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAuth, createMemoryRoleRulesStore, loadRoleRulesCache, mintToken, type Identity } from '@rota/auth'
import { openLevelLog } from '@rota/log-leveldb'
import { roleRulesExtension, startServer, type Extension, type RotaServer } from '@rota/server'
import { publishExtension, type PublishExtensionOptions } from './extension.ts'
import type { Watcher } from './watch.ts'

export const secret = 'publish-test-secret-publish-test-secret-0123'

export const tempDir = (prefix = 'rota-publish-'): { dir: string; remove(): void } => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface TestServer {
  server: RotaServer
  close(): Promise<void>
}

/**
 * A server as `rota serve` runs it: auth (tokens from `token`) with role rules, its LevelDB log in `dir/log`
 * (restartable), then `extensions` in order. Closing closes the server, then the log.
 */
export const startTestServer = async (dir: string, extensions: Extension[]): Promise<TestServer> => {
  const log = await openLevelLog({ dir: join(dir, 'log') })
  const rules = await loadRoleRulesCache(createMemoryRoleRulesStore())
  const server = await startServer({ log, logger: false, hooks: createAuth({ secret }, { rules }), extensions: [roleRulesExtension({ cache: rules }), ...extensions] })
  return {
    server,
    close: async () => {
      await server.close()
      await log.close()
    },
  }
}

export interface PublishServer extends TestServer {
  watcher: Watcher
}

/** A server as `rota serve` runs it, with publishing; its log and publish store in `dir` (restartable). */
export const startPublishServer = async (dir: string, options: Omit<PublishExtensionOptions, 'dir' | 'onReady'> = {}): Promise<PublishServer> => {
  let watcher: Watcher | undefined
  const started = await startTestServer(dir, [publishExtension({ ...options, dir: join(dir, 'publish'), onReady: (h) => (watcher = h.watcher) })])
  return { ...started, watcher: watcher as Watcher }
}

export const token = (claims: Partial<Identity>): Promise<string> => mintToken({ secret, allowPublicOpen: false }, claims, { expiresIn: 600 })

export interface Answer<T = Record<string, unknown>> { status: number; body: T }

/** One JSON request with a bearer token. */
export const call = async <T = Record<string, unknown>>(server: RotaServer, method: string, path: string, bearer: string, body?: unknown): Promise<Answer<T>> => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as T }
}
