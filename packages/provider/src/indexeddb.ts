import type * as Y from 'yjs'
import { IndexeddbPersistence, storeState } from 'y-indexeddb'
import { defaultCompactAfter, type CompactionOptions, type OfflineStore, type StoredDoc } from './store.ts'

export interface IndexeddbStoreOptions extends CompactionOptions {
  /** Database name prefix; the database of a document is `prefix + docName`. Default `'rota:'`. */
  prefix?: string
}

/** Resolves after every earlier write transaction on the updates store has committed. */
const barrier = (persistence: IndexeddbPersistence): Promise<void> =>
  persistence._db.then(
    (db) =>
      new Promise<void>((resolve, reject) => {
        const tx = db.transaction(['updates'], 'readonly')
        tx.oncomplete = () => resolve()
        tx.onerror = () => reject(tx.error)
        tx.objectStore('updates').count()
      }),
  )

/**
 * The browser store: y-indexeddb, plus compaction. y-indexeddb writes the whole document as a new
 * entry on every load and merges entries only at 500, so a page reloaded often grows its database
 * without any edit; this store merges on every load and after `compactAfter` updates.
 */
export const indexeddbStore = (options: IndexeddbStoreOptions = {}): OfflineStore => {
  const prefix = options.prefix ?? 'rota:'
  const compactAfter = options.compactAfter ?? defaultCompactAfter
  return {
    attach(docName: string, doc: Y.Doc): StoredDoc {
      const persistence = new IndexeddbPersistence(prefix + docName, doc)
      const compact = async (): Promise<void> => {
        await storeState(persistence, true)
        await barrier(persistence)
      }
      let sinceCompaction = 0
      const onUpdate = (_update: Uint8Array, origin: unknown): void => {
        if (origin === persistence) return
        if (++sinceCompaction >= compactAfter) {
          sinceCompaction = 0
          void compact()
        }
      }
      doc.on('update', onUpdate)
      // Merge on every load: y-indexeddb has just added the whole document as one more entry.
      // (Its `_dbsize` is counted only after 'synced', so it cannot tell whether merging is due.)
      const whenLoaded = persistence.whenSynced.then(compact)
      return {
        origin: persistence,
        whenLoaded,
        getMeta: async (key) => {
          const value: unknown = await persistence.get(key)
          return typeof value === 'string' ? value : undefined
        },
        setMeta: async (key, value) => {
          if (value === undefined) await persistence.del(key)
          else await persistence.set(key, value)
        },
        compact,
        flush: () => barrier(persistence),
        detach: async () => {
          doc.off('update', onUpdate)
          await barrier(persistence)
          await persistence.destroy()
        },
      }
    },
  }
}
