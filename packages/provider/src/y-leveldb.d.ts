// y-leveldb ships types, but its package.json "exports" hides them from TypeScript; this is the
// part of its API the Node store uses (node_modules/y-leveldb/dist/src/y-leveldb.d.ts).
declare module 'y-leveldb' {
  import type * as Y from 'yjs'
  export class LeveldbPersistence {
    constructor(location: string, options?: { Level?: unknown; levelOptions?: object })
    flushDocument(docName: string): Promise<void>
    getYDoc(docName: string): Promise<Y.Doc>
    storeUpdate(docName: string, update: Uint8Array): Promise<number>
    setMeta(docName: string, metaKey: string, value: unknown): Promise<void>
    delMeta(docName: string, metaKey: string): Promise<unknown>
    getMeta(docName: string, metaKey: string): Promise<unknown>
    destroy(): Promise<void>
  }
}
