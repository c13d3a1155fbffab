// y-leveldb ships declarations in dist/ but its "exports" map does not point at them:
// the part of its API the log benchmark uses.
declare module 'y-leveldb' {
  import type * as Y from 'yjs'
  export class LeveldbPersistence {
    constructor(location: string, options?: { levelOptions?: Record<string, unknown> })
    storeUpdate(docName: string, update: Uint8Array): Promise<number>
    getYDoc(docName: string): Promise<Y.Doc>
    destroy(): Promise<void>
  }
}
