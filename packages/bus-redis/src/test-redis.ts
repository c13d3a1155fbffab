/**
 * For the Redis tests: whether a Redis is there (ROTA_TEST_REDIS_URL, set by `.ci/redis.sh start`), and a
 * redis-server of a test's own, which it may stop and start (a restart) without disturbing other files.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const script = fileURLToPath(new URL('../../../.ci/redis.sh', import.meta.url))

export const testRedisUrl = process.env.ROTA_TEST_REDIS_URL

const skipMessage =
  'ROTA_TEST_REDIS_URL is not set: the Redis bus tests are skipped. Run `eval "$(.ci/redis.sh start)"` first (needs redis-server).'

/** Says loudly, once per file, why the file's tests are skipped. */
export const announceSkip = (file: string): void => {
  if (testRedisUrl === undefined || testRedisUrl === '') console.warn(`${file}: ${skipMessage}`)
}

export interface OwnRedis {
  url: string
  /** Stops the server by its pid (a crash or restart of Redis: every connection drops). */
  down(): Promise<void>
  /** Starts it again on the same port. */
  up(): Promise<void>
  /** Stops it and removes its directory. */
  destroy(): Promise<void>
}

export const startOwnRedis = async (): Promise<OwnRedis> => {
  const { stdout } = await run(script, ['start'])
  const vars = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]))
  const url = vars.ROTA_TEST_REDIS_URL
  const dir = vars.ROTA_TEST_REDIS_DIR
  if (url === undefined || dir === undefined) throw new Error(`redis.sh start printed no URL: ${stdout}`)
  return {
    url,
    down: async () => void (await run(script, ['down', dir])),
    up: async () => void (await run(script, ['up', dir])),
    destroy: async () => void (await run(script, ['stop', dir])),
  }
}
