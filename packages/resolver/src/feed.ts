/**
 * Detection across instances: each document is examined by the one instance holding its lease (lease.ts),
 * fed from the log in seq order — so it sees every instance's edits with their metadata, not only the
 * updates its own rooms stored. Used by the extension when the resolver store is shared; a single
 * instance keeps feeding the resolver straight from `rooms.onUpdate`.
 *
 * - `poke(doc, seq)`: a local update was stored. The document is stepped soon: its lease taken (or
 *   renewed), its new entries read from the log and observed, the progress recorded in the lease row.
 * - `tick()`: every held or wanted document is stepped; run periodically, it renews held leases, picks up
 *   other instances' entries for held documents, and takes over the lease of a document whose holder
 *   stopped renewing (it crashed) once the lease expired, from the progress that holder recorded.
 * - A document is wanted until some holder's progress covers what was poked, so a poke on an instance
 *   that lost the race is never dropped while the holder lives, nor when it dies.
 */
import type { DocLease } from './lease.ts'
import type { EditEvent } from './history.ts'
import type { ResolverLog } from './pipeline.ts'

export interface FeedLog extends ResolverLog {
  /** The document's head seq (0 when it has no entries). */
  head(doc: string): Promise<number>
}

export interface LogFeedOptions {
  resolver: { observe(doc: string, event: EditEvent): Promise<unknown>; forget(doc: string): boolean }
  log: FeedLog
  lease: DocLease
  /** Whether a room of the document is open here; a caught-up document that is not gives its lease up. */
  isOpen?: (doc: string) => boolean
  /** Entries read and observed per document per step; the rest follow in the next step. Default 500. */
  batch?: number
  onError?: (err: unknown, doc: string) => void
  /** The clock of `waiting().oldestMs`. Default Date.now. */
  now?: () => number
}

export interface LogFeed {
  /** A local update of `doc` with this seq was stored. */
  poke(doc: string, seq: number): void
  /** Steps every held or wanted document once (renewal, other instances' entries, takeover). */
  tick(): Promise<void>
  /** Resolves once no step is queued or running. */
  idle(): Promise<void>
  /** Documents whose lease this instance holds, with the last seq it fed. */
  held(): Map<string, number>
  /**
   * Documents poked here, not held here, whose updates the holder elsewhere has not examined yet; and how
   * long since the oldest of them last saw that holder make progress on them (ms).
   */
  waiting(): { docs: number; oldestMs: number }
  /** Stops stepping and releases every held lease (unload, shutdown). */
  stop(): Promise<void>
}

export const createLogFeed = (options: LogFeedOptions): LogFeed => {
  const { resolver, log, lease } = options
  const batch = options.batch ?? 500
  const now = options.now ?? Date.now
  const onError = options.onError ?? (() => undefined)
  /** Held leases: the last seq fed to the resolver, and when the lease was last taken or renewed. */
  const held = new Map<string, number>()
  const renewedAt = new Map<string, number>()
  // Renewing writes the lease row: once a third of its TTL has passed is enough (`record` still fences every step).
  const renewAfter = (lease.ttlMs ?? 0) / 3
  /** Poked but not known examined: the first and last seq seen locally, and since when the first waits. */
  const wanted = new Map<string, { first: number; last: number; since: number }>()
  const due = new Set<string>()
  let everything = false
  let stopped = false
  let queued: Promise<void> | undefined
  let chain: Promise<void> = Promise.resolve()

  const lose = (doc: string): void => {
    held.delete(doc)
    renewedAt.delete(doc)
    // What it held is stale once another instance examined entries: read again at the next take.
    resolver.forget(doc)
  }

  const feed = async (doc: string, fed: number): Promise<number> => {
    const head = await log.head(doc)
    if (head <= fed) return fed
    const upTo = Math.min(head, fed + batch)
    const examined: Array<Promise<unknown>> = []
    for await (const event of log.read(doc, fed + 1, upTo)) {
      examined.push(resolver.observe(doc, event).catch((err: unknown) => onError(err, doc)))
    }
    await Promise.all(examined)
    if (upTo < head) due.add(doc)
    return upTo
  }

  const step = async (doc: string): Promise<void> => {
    const fresh = held.has(doc) && now() - (renewedAt.get(doc) ?? Number.NEGATIVE_INFINITY) < renewAfter
    const taken = fresh ? { progress: held.get(doc) ?? null } : await lease.acquire(doc)
    if (taken && !fresh) renewedAt.set(doc, now())
    const want = wanted.get(doc)
    if (!taken) {
      if (held.has(doc)) lose(doc)
      const progress = (await lease.progress(doc)) ?? 0
      if (want && progress >= want.last) wanted.delete(doc)
      // The holder moved past some of them: what is left waits from now.
      else if (want && progress >= want.first) wanted.set(doc, { first: progress + 1, last: want.last, since: now() })
      return
    }
    let fed = held.get(doc)
    if (fed === undefined) {
      resolver.forget(doc)
      // Nobody examined this document under a lease yet: start at the first update seen here.
      fed = taken.progress ?? Math.max(0, (want?.first ?? 1) - 1)
    }
    held.set(doc, fed)
    const next = await feed(doc, fed)
    if (next > fed) {
      if (!(await lease.record(doc, next))) return lose(doc)
      held.set(doc, next)
    }
    if (want && next >= want.last) wanted.delete(doc)
    if (!wanted.has(doc) && !due.has(doc) && !(options.isOpen?.(doc) ?? false)) {
      held.delete(doc)
      renewedAt.delete(doc)
      await lease.release(doc)
      resolver.forget(doc)
    }
  }

  const pass = async (docs: string[]): Promise<void> => {
    for (const doc of docs) {
      if (stopped) return
      await step(doc).catch((err: unknown) => onError(err, doc))
    }
    if (due.size > 0 && !stopped) void run()
  }

  const run = (): Promise<void> => {
    if (queued) return queued
    const next = chain.then(() => {
      queued = undefined
      const docs = everything ? [...new Set([...held.keys(), ...wanted.keys(), ...due])] : [...due]
      everything = false
      due.clear()
      return pass(docs)
    })
    queued = next
    chain = next.catch(() => undefined)
    return next
  }

  return {
    poke(doc, seq) {
      if (stopped) return
      const want = wanted.get(doc)
      wanted.set(doc, { first: Math.min(want?.first ?? seq, seq), last: Math.max(want?.last ?? seq, seq), since: want?.since ?? now() })
      due.add(doc)
      void run()
    },
    tick() {
      if (stopped) return Promise.resolve()
      everything = true
      return run()
    },
    async idle() {
      for (;;) {
        await (queued ?? chain)
        if (!queued) return
      }
    },
    held: () => new Map(held),
    waiting() {
      const waits = [...wanted].filter(([doc]) => !held.has(doc)).map(([, w]) => w.since)
      return { docs: waits.length, oldestMs: waits.length === 0 ? 0 : Math.max(0, now() - Math.min(...waits)) }
    },
    async stop() {
      stopped = true
      await chain
      for (const doc of [...held.keys()]) {
        held.delete(doc)
        renewedAt.delete(doc)
        await lease.release(doc).catch((err: unknown) => onError(err, doc))
      }
    },
  }
}
