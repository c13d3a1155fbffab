import * as Y from 'yjs'
import { LeveldbPersistence } from 'y-leveldb'
import { defaultCompactAfter, type CompactionOptions, type OfflineStore, type StoredDoc } from './store.ts'

export interface LevelStore extends OfflineStore {
  /** Closes the database; destroy the providers using it first. */
  close(): Promise<void>
}

const metaPrefix = 'rota:'

/**
 * The Node store: one LevelDB directory (y-leveldb over classic-level) holding any number of
 * documents. LevelDB locks its directory, so a process opens a directory once and passes the
 * same store to every provider.
 */
export const openLevelStore = (dir: string, options: CompactionOptions = {}): LevelStore => {
  const persistence = new LeveldbPersistence(dir)
  const compactAfter = options.compactAfter ?? defaultCompactAfter
  return {
    attach(docName: string, doc: Y.Doc): StoredDoc {
      const origin = { store: 'leveldb', docName }
      let sinceCompaction = 0
      const compact = (): Promise<void> => persistence.flushDocument(docName)
      const onUpdate = (update: Uint8Array, updateOrigin: unknown): void => {
        if (updateOrigin === origin) return
        void persistence.storeUpdate(docName, update)
        if (++sinceCompaction >= compactAfter) {
          sinceCompaction = 0
          void compact()
        }
      }
      // Listen first: edits made while the stored state loads are queued behind the load.
      doc.on('update', onUpdate)
      const load = async (): Promise<void> => {
        const stored = await persistence.getYDoc(docName)
        Y.applyUpdate(doc, Y.encodeStateAsUpdate(stored), origin)
        stored.destroy()
        // One merged entry with everything, including what the doc held before it was attached.
        if (doc.store.clients.size > 0) {
          await persistence.storeUpdate(docName, Y.encodeStateAsUpdate(doc))
          await compact()
        }
      }
      // y-leveldb runs its operations in one queue, so a read resolves after every earlier write.
      const flush = async (): Promise<void> => {
        await persistence.getMeta(docName, metaPrefix + 'flush')
      }
      return {
        origin,
        whenLoaded: load(),
        getMeta: async (key) => {
          const value: unknown = await persistence.getMeta(docName, metaPrefix + key)
          return typeof value === 'string' ? value : undefined
        },
        setMeta: async (key, value) => {
          if (value === undefined) await persistence.delMeta(docName, metaPrefix + key)
          else await persistence.setMeta(docName, metaPrefix + key, value)
        },
        compact,
        flush,
        detach: async () => {
          doc.off('update', onUpdate)
          await flush()
        },
      }
    },
    close: () => persistence.destroy(),
  }
}
