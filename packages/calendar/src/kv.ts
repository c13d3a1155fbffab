import { ClassicLevel } from 'classic-level'
import { CalendarError, CalendarErrorCode } from './errors.ts'

/**
 * The key-value port the calendar store sits on: string keys sorted bytewise, JSON values, atomic batches of
 * puts and deletes (publish's port has no deletes; feeds need them: a cancelled event is forgotten after its
 * retention). Keys join their parts with NUL: tenants, staff ids and document names never hold one.
 */
export type KvOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string }

export interface KeyValue {
  get(key: string): Promise<string | undefined>
  /** Applies every operation at once (and durably, for LevelDB). */
  batch(ops: readonly KvOp[]): Promise<void>
  /** Values under a prefix, in key order. */
  values(prefix: string): Promise<string[]>
  close(): Promise<void>
}

export const key = (...parts: string[]): string => parts.join('\u0000')

/** The prefix of every key that starts with these parts. */
export const prefixOf = (...parts: string[]): string => `${key(...parts)}\u0000`

const upperBound = (prefix: string): string => `${prefix.slice(0, -1)}\u0001`

export const createMemoryKeyValue = (): KeyValue => {
  const data = new Map<string, string>()
  return {
    get: async (k) => data.get(k),
    batch: async (ops) => {
      for (const op of ops) {
        if (op.type === 'put') data.set(op.key, op.value)
        else data.delete(op.key)
      }
    },
    values: async (prefix) => [...data.keys()].filter((k) => k.startsWith(prefix)).sort().map((k) => data.get(k) as string),
    close: async () => undefined,
  }
}

/** A durable key-value store in its own LevelDB directory (`<dataDir>/calendar`: the log stays append-only). */
export const openLevelKeyValue = async (dir: string): Promise<KeyValue> => {
  const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8' })
  try {
    await db.open()
  } catch (cause) {
    throw new CalendarError(CalendarErrorCode.Store, `cannot open the calendar store at ${dir}`, { dir }, { cause })
  }
  return {
    get: async (k) => (await db.get(k)) ?? undefined,
    batch: (ops) => db.batch(ops.map((op) => ({ ...op })), { sync: true }),
    // Every prefix ends with NUL, so the keys under it end before the same prefix ending with \u0001.
    values: (prefix) => db.values({ gte: prefix, lt: upperBound(prefix) }).all(),
    close: () => db.close(),
  }
}
