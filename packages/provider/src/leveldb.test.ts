import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { ClassicLevel } from 'classic-level'
import { openLevelStore } from './leveldb.ts'

const dirs: string[] = []
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'rota-provider-store-'))
  dirs.push(dir)
  return dir
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

/** Number of stored update entries of one document (y-leveldb keys: ['v1', doc, 'update', clock]). */
const countUpdates = async (dir: string, docName: string): Promise<number> => {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  let count = 0
  for await (const key of db.keys()) {
    const text = new TextDecoder().decode(key)
    if (text.includes(docName) && text.includes('update')) count++
  }
  await db.close()
  return count
}

describe('openLevelStore', () => {
  it('keeps a document, its pre-attach edits and meta across reopenings', async () => {
    const dir = await tempDir()
    const store = openLevelStore(dir)
    const doc = new Y.Doc()
    doc.getMap('shifts').set('before', 1)
    const stored = store.attach('acme/w48', doc)
    doc.getMap('shifts').set('during', 2)
    await stored.whenLoaded
    doc.getMap('shifts').set('after', 3)
    doc.getMap('shifts').delete('before')
    await stored.setMeta('clientTime', '2026-11-25T08:00:00.000Z')
    await stored.detach()
    await store.close()

    const again = openLevelStore(dir)
    const copy = new Y.Doc()
    const reloaded = again.attach('acme/w48', copy)
    await reloaded.whenLoaded
    expect(copy.getMap('shifts').toJSON()).toEqual({ during: 2, after: 3 })
    expect(await reloaded.getMeta('clientTime')).toBe('2026-11-25T08:00:00.000Z')
    await reloaded.setMeta('clientTime', undefined)
    expect(await reloaded.getMeta('clientTime')).toBeUndefined()
    // another document in the same directory is separate
    const other = new Y.Doc()
    await again.attach('acme/w49', other).whenLoaded
    expect(other.getMap('shifts').size).toBe(0)
    await reloaded.detach()
    await again.close()
  })

  it('compacts on attach and after compactAfter updates, so entries stay bounded', async () => {
    const dir = await tempDir()
    const counts: number[] = []
    for (let session = 0; session < 3; session++) {
      const store = openLevelStore(dir, { compactAfter: 10 })
      const doc = new Y.Doc()
      const stored = store.attach('d', doc)
      await stored.whenLoaded
      for (let i = 0; i < 25; i++) doc.getMap('m').set(`k${i}`, session * 100 + i)
      await stored.detach()
      await store.close()
      counts.push(await countUpdates(dir, 'd'))
    }
    // 25 updates, compacted at 10 and 20: the merged entry plus the 5 since
    expect(counts).toEqual([6, 6, 6])
    const store = openLevelStore(dir)
    const doc = new Y.Doc()
    const stored = store.attach('d', doc)
    await stored.whenLoaded
    expect(doc.getMap('m').get('k24')).toBe(224)
    await stored.detach()
    await store.close()
    expect(await countUpdates(dir, 'd')).toBe(1)
  })
})
