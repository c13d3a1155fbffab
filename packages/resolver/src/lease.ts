/**
 * Who runs detection for a document when several instances share one resolver store: the holder of the
 * document's lease. A lease only saves work (one instance examines each update instead of all of them);
 * it is not what keeps a conflict from being resolved twice — `claim` and `transition` are compare-and-set
 * in the store, so two instances that both believe they hold a lease (a paused process, skewed clocks)
 * still apply one resolution per conflict.
 *
 * The lease row also carries the document's progress (the last seq whose examination finished), so an
 * instance that takes a lease over after its holder crashed starts where that holder stopped.
 */
export interface DocLease {
  /** This instance's name in the lease rows. */
  readonly holder: string
  /** How long a lease lasts unless renewed; a holder renews it after a third of that (feed.ts). */
  readonly ttlMs?: number
  /**
   * Takes the document's lease (free, expired, or already ours: then it is renewed). Undefined when another
   * instance holds an unexpired one; else the progress recorded, null when no instance ever recorded any.
   */
  acquire(doc: string): Promise<{ progress: number | null } | undefined>
  /** Records that the entries up to `seq` are examined, if this instance still holds the lease. False when it lost it. */
  record(doc: string, seq: number): Promise<boolean>
  /** The progress recorded for the document by whichever instance (null when none). */
  progress(doc: string): Promise<number | null>
  /** Gives the lease up, keeping the progress, so another instance may take it at once. */
  release(doc: string): Promise<void>
}

interface LeaseRow { holder: string; expiresAt: number; progress: number | null }

/**
 * Leases in memory, shared by the instances made from one table (tests, and the reference for a database
 * backend's semantics). `now` is injected, so expiry is tested without waiting.
 */
export const createMemoryLeases = (now: () => number = Date.now) => {
  const rows = new Map<string, LeaseRow>()
  return {
    rows,
    lease(holder: string, ttlMs = 15_000): DocLease {
      return {
        holder,
        ttlMs,
        async acquire(doc) {
          const row = rows.get(doc)
          if (row && row.holder !== holder && row.expiresAt > now()) return undefined
          rows.set(doc, { holder, expiresAt: now() + ttlMs, progress: row?.progress ?? null })
          return { progress: row?.progress ?? null }
        },
        async record(doc, seq) {
          const row = rows.get(doc)
          if (!row || row.holder !== holder || row.expiresAt <= now()) return false
          row.progress = Math.max(row.progress ?? 0, seq)
          return true
        },
        progress: async (doc) => rows.get(doc)?.progress ?? null,
        async release(doc) {
          const row = rows.get(doc)
          if (row?.holder === holder) row.expiresAt = Number.NEGATIVE_INFINITY
        },
      }
    },
  }
}
