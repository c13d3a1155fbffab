import { ClassicLevel } from 'classic-level'
import { WebhookError, WebhookErrorCode } from './errors.ts'

/**
 * The key-value port the outbox sits on (publish's shape, plus deletes: delivered entries leave the due index).
 * String keys sorted bytewise, string values, atomic batches. Keys join their parts with NUL (`key('ep', tenant,
 * id)`): tenants and ids never hold one, so no two keys' parts can run into each other.
 */
export interface KeyValue {
  get(key: string): Promise<string | undefined>
  /** Writes (value) and deletes (undefined) every key at once, durably for LevelDB. */
  batch(ops: ReadonlyArray<[string, string | undefined]>): Promise<void>
  /** Entries under a prefix, in key order (or newest first with `reverse`), at most `limit`. */
  entries(prefix: string, options?: { reverse?: boolean; limit?: number; lt?: string }): Promise<Array<[string, string]>>
  close(): Promise<void>
}

export const key = (...parts: Array<string | number>): string => parts.join('\u0000')

/** The prefix of every key that starts with these parts. */
export const prefixOf = (...parts: Array<string | number>): string => `${key(...parts)}\u0000`

/** A number part (a time in ms) that sorts numerically as a string. */
export const numberPart = (n: number): string => String(Math.max(0, Math.floor(n))).padStart(15, '0')

/** Every prefix ends with NUL, so its keys end before the same prefix ending with \u0001. */
const upperBound = (prefix: string): string => `${prefix.slice(0, -1)}\u0001`

export const createMemoryKeyValue = (): KeyValue => {
  const data = new Map<string, string>()
  return {
    get: async (k) => data.get(k),
    batch: async (ops) => {
      for (const [k, v] of ops) {
        if (v === undefined) data.delete(k)
        else data.set(k, v)
      }
    },
    entries: async (prefix, { reverse = false, limit = Infinity, lt } = {}) => {
      const keys = [...data.keys()].filter((k) => k.startsWith(prefix) && (lt === undefined || k < lt)).sort()
      if (reverse) keys.reverse()
      return keys.slice(0, limit).map((k) => [k, data.get(k) as string])
    },
    close: async () => undefined,
  }
}

/** A durable key-value store in its own LevelDB directory (`<dataDir>/webhooks`). */
export const openLevelKeyValue = async (dir: string): Promise<KeyValue> => {
  const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8' })
  try {
    await db.open()
  } catch (cause) {
    const locked = (cause as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED'
    throw new WebhookError(WebhookErrorCode.Store, `cannot open the webhooks store at ${dir}`, { dir, locked }, { cause })
  }
  return {
    get: async (k) => (await db.get(k)) ?? undefined,
    batch: (ops) =>
      db.batch(ops.map(([k, value]) => (value === undefined ? { type: 'del' as const, key: k } : { type: 'put' as const, key: k, value })), { sync: true }),
    entries: (prefix, { reverse = false, limit, lt } = {}) =>
      db.iterator({ gte: prefix, lt: lt ?? upperBound(prefix), reverse, ...(limit === undefined ? {} : { limit }) }).all(),
    close: () => db.close(),
  }
}
