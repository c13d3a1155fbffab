import type * as Y from 'yjs'

/**
 * Where a provider keeps a document between sessions. `indexeddbStore()` (browsers) and
 * `openLevelStore(dir)` (Node, from `@rota/provider/leveldb`) implement it; anything else can.
 */
export interface OfflineStore {
  /**
   * Starts loading the stored state of `docName` into `doc` (as one transaction whose origin is the
   * returned handle's `origin`) and from then on stores every update of `doc`, until `detach()`.
   */
  attach(docName: string, doc: Y.Doc): StoredDoc
}

export interface StoredDoc {
  /** Transaction origin of the stored state applied at attach time. */
  readonly origin: unknown
  /** Resolves when the stored state is in the doc; rejects when the store cannot be read. */
  readonly whenLoaded: Promise<void>
  getMeta(key: string): Promise<string | undefined>
  /** `undefined` removes the key. */
  setMeta(key: string, value: string | undefined): Promise<void>
  /** Rewrites the stored updates as one, so the store does not grow with the number of edits or loads. */
  compact(): Promise<void>
  /** Resolves once every update seen so far is written. */
  flush(): Promise<void>
  /** Stops storing updates; the data stays. */
  detach(): Promise<void>
}

/** Options both bundled stores share. */
export interface CompactionOptions {
  /** Compact after this many stored updates (and on every attach). Default 100. */
  compactAfter?: number
}

export const defaultCompactAfter = 100
