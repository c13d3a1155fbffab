import { ClassicLevel } from 'classic-level'
import { PublishError, PublishErrorCode } from './errors.ts'

/**
 * The key-value port the publish stores sit on: string keys sorted bytewise, JSON values, atomic batches.
 * Keys join their parts with NUL (`key('pub', doc, n)`): document names, tenants and staff ids never hold
 * one (the log refuses NUL in names), so no two keys' parts can run into each other.
 */
export interface KeyValue {
  get(key: string): Promise<string | undefined>
  /** Writes every pair at once (and durably, for LevelDB). */
  batch(puts: ReadonlyArray<[string, string]>): Promise<void>
  /** Values under a prefix, in key order (or newest first with `reverse`), at most `limit`. */
  values(prefix: string, options?: { reverse?: boolean; limit?: number }): Promise<string[]>
  close(): Promise<void>
}

export const key = (...parts: Array<string | number>): string => parts.join('\u0000')

/** The prefix of every key that starts with these parts. */
export const prefixOf = (...parts: Array<string | number>): string => `${key(...parts)}\u0000`

/** A counter part that sorts numerically as a string. */
export const counterPart = (n: number): string => String(n).padStart(12, '0')

const upperBound = (prefix: string): string => `${prefix.slice(0, -1)}\u0001`

export const createMemoryKeyValue = (): KeyValue => {
  const data = new Map<string, string>()
  return {
    get: async (k) => data.get(k),
    batch: async (puts) => {
      for (const [k, v] of puts) data.set(k, v)
    },
    values: async (prefix, { reverse = false, limit = Infinity } = {}) => {
      const keys = [...data.keys()].filter((k) => k.startsWith(prefix)).sort()
      if (reverse) keys.reverse()
      return keys.slice(0, limit).map((k) => data.get(k) as string)
    },
    close: async () => undefined,
  }
}

/** A durable key-value store in its own LevelDB directory (like the resolver's: the log stays append-only). */
export const openLevelKeyValue = async (dir: string): Promise<KeyValue> => {
  const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8' })
  try {
    await db.open()
  } catch (cause) {
    throw new PublishError(PublishErrorCode.Store, `cannot open the publish store at ${dir}`, { dir }, { cause })
  }
  return {
    get: async (k) => (await db.get(k)) ?? undefined,
    batch: (puts) => db.batch(puts.map(([k, value]) => ({ type: 'put' as const, key: k, value })), { sync: true }),
    // Every prefix ends with NUL, so the keys under it end before the same prefix ending with \u0001 (a bound
    // of `prefix + '\xff'` would miss keys whose next part starts above U+00FF, which UTF-8 writes higher).
    values: (prefix, { reverse = false, limit } = {}) =>
      db.values({ gte: prefix, lt: upperBound(prefix), reverse, ...(limit === undefined ? {} : { limit }) }).all(),
    close: () => db.close(),
  }
}
