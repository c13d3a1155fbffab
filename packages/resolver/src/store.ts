import { ClassicLevel } from 'classic-level'
import { createLocks } from '@rota/server'
import { ResolverError, ResolverErrorCode } from './errors.ts'
import type { TeamModelState } from './model.ts'
import type { ConflictRecord, ConflictStatus, TeamSettings } from './types.ts'

/**
 * Where conflicts and team models live ([S1]–[S3]). `claim` and `transition` are compare-and-set: of two
 * callers racing on one conflict (two requests, or two server instances sharing a store) exactly one wins,
 * so one conflict never gets two different resolutions. A backend shared between processes must make
 * these two atomic in the database; the LevelDB store is single-process (LevelDB locks its directory)
 * and serialises them in memory.
 */
export interface ResolverStore {
  /** Inserts a record unless one with its id exists. True when this caller created it. */
  claim(record: ConflictRecord): Promise<boolean>
  /** Replaces a record if its stored status is still `expected`. True when it did. */
  transition(record: ConflictRecord, expected: ConflictStatus | 'claimed'): Promise<boolean>
  get(doc: string, id: string): Promise<ConflictRecord | undefined>
  list(doc: string): Promise<ConflictRecord[]>
  getTeam(team: string): Promise<TeamState | undefined>
  putTeam(team: string, state: TeamState): Promise<void>
  /**
   * Read-modify-write of a team's state without lost updates: `update` gets the stored state (undefined
   * when none) and returns the next one. Of two callers (two instances teaching one team at once) neither
   * overwrites the other; a shared backend may call `update` again on a newer state, so keep it pure.
   */
  updateTeam(team: string, update: (current: TeamState | undefined) => TeamState): Promise<TeamState>
  close(): Promise<void>
}

export interface TeamState {
  model: TeamModelState
  settings: TeamSettings
}

/** A claimed record not yet visible (an automatic resolution in flight). */
interface StoredRecord { record: ConflictRecord; claimed: boolean }

const statusOf = (s: StoredRecord): ConflictStatus | 'claimed' => (s.claimed ? 'claimed' : s.record.status)

interface KeyValue {
  getRaw(key: string): Promise<string | undefined>
  putRaw(key: string, value: string): Promise<void>
  rangeRaw(prefix: string): Promise<string[]>
  closeRaw(): Promise<void>
}

const conflictKey = (doc: string, id: string): string => `c!${doc}!${id}`

const createStore = (kv: KeyValue): ResolverStore => {
  const locked = createLocks()
  const read = async (doc: string, id: string): Promise<StoredRecord | undefined> => {
    const raw = await kv.getRaw(conflictKey(doc, id))
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredRecord)
  }
  const write = (s: StoredRecord): Promise<void> => kv.putRaw(conflictKey(s.record.doc, s.record.id), JSON.stringify(s))
  return {
    claim: (record) => locked(record.id, async () => {
      if (await read(record.doc, record.id)) return false
      await write({ record, claimed: record.status === 'auto_applied' })
      return true
    }),
    transition: (record, expected) => locked(record.id, async () => {
      const stored = await read(record.doc, record.id)
      if (!stored || statusOf(stored) !== expected) return false
      await write({ record, claimed: false })
      return true
    }),
    get: async (doc, id) => {
      const s = await read(doc, id)
      return s && !s.claimed ? s.record : undefined
    },
    // The prefix also matches documents whose names go on past a '!' (`acme/w1!x`): keep this document's only.
    list: async (doc) => (await kv.rangeRaw(`c!${doc}!`))
      .map((raw) => JSON.parse(raw) as StoredRecord).filter((s) => !s.claimed && s.record.doc === doc).map((s) => s.record),
    getTeam: async (team) => {
      const raw = await kv.getRaw(`t!${team}`)
      return raw === undefined ? undefined : (JSON.parse(raw) as TeamState)
    },
    putTeam: (team, state) => kv.putRaw(`t!${team}`, JSON.stringify(state)),
    updateTeam: (team, update) => locked(`t!${team}`, async () => {
      const raw = await kv.getRaw(`t!${team}`)
      const next = update(raw === undefined ? undefined : (JSON.parse(raw) as TeamState))
      await kv.putRaw(`t!${team}`, JSON.stringify(next))
      return next
    }),
    close: () => kv.closeRaw(),
  }
}

export const createMemoryStore = (): ResolverStore => {
  const data = new Map<string, string>()
  return createStore({
    getRaw: async (k) => data.get(k),
    putRaw: async (k, v) => void data.set(k, v),
    rangeRaw: async (prefix) => [...data.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v),
    closeRaw: async () => undefined,
  })
}

/** A durable store in its own LevelDB directory (not the update log's: the log stays append-only). */
export const openLevelStore = async (dir: string): Promise<ResolverStore> => {
  const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8' })
  try {
    await db.open()
  } catch (err) {
    // classic-level wraps the reason (LEVEL_LOCKED: another process has it open) in `cause`.
    const locked = (err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED'
    const why = locked ? 'is in use by another process' : 'cannot be opened'
    throw new ResolverError(ResolverErrorCode.Store, `the resolver store at ${dir} ${why}`, { cause: String(err), locked })
  }
  return createStore({
    getRaw: async (k) => (await db.get(k)) ?? undefined,
    putRaw: (k, v) => db.put(k, v, { sync: true }),
    rangeRaw: (prefix) => db.values({ gte: prefix, lt: `${prefix}\xff` }).all(),
    closeRaw: () => db.close(),
  })
}
