import { readFile, readdir, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { describe, expect, it } from 'vitest'
import { LogErrorCode } from '@rota/log'
import { readHeads, startHeads } from './heads.ts'
import { Tag, docPrefix, seqKey } from './keys.ts'
import { openLevelLog } from './level-log.ts'
import { newestLog, withDir, writeEdits } from './test-helpers.ts'

const headsFiles = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((name) => name.startsWith('rota-heads-'))

describe('the heads file', () => {
  it('is replaced as it grows, and an old one goes only once what it witnesses is in table files', () =>
    withDir(async (dir) => {
      let db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
      await db.open()
      const errors: unknown[] = []
      const heads = await startHeads(dir, db, await readHeads(dir), new Map(), { maxBytes: 200, maxDocs: 1000, onError: (error) => errors.push(error) })
      const key = (i: number) => seqKey(docPrefix(Tag.Entry, `d${i}`), 1)
      for (let i = 0; i < 60; i++) {
        await db.batch([{ type: 'put', key: key(i), value: new Uint8Array([i]) }], { sync: true })
        heads.record([{ doc: `d${i}`, seq: 1 }])
        // Now and then the flush behind a rotation gets to finish before the next write.
        if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      await heads.close()
      await db.close()
      expect(errors).toEqual([])
      expect((await headsFiles(dir)).length).toBeLessThanOrEqual(2)

      // Lose everything that sits in LevelDB's write-ahead log alone: each write is in a table or named.
      await truncate(await newestLog(dir), 0)
      db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
      await db.open()
      const { heads: named } = await readHeads(dir)
      let inTables = 0
      for (let i = 0; i < 60; i++) {
        const held = (await db.get(key(i))) !== undefined
        if (held) inTables++
        expect(held || named.has(`d${i}`)).toBe(true)
      }
      await db.close()
      expect(inTables).toBeGreaterThan(0)
      expect(named.size).toBeLessThan(60)
    }))

  it('damaged before its end: reported at open, naming the file', () =>
    withDir(async (dir) => {
      let log = await openLevelLog({ dir })
      await writeEdits(log, 'd', 5)
      await log.close()
      const [file] = await headsFiles(dir)
      const bytes = await readFile(join(dir, file!))
      bytes[3]! ^= 0xff
      await writeFile(join(dir, file!), bytes)

      const errors: Error[] = []
      log = await openLevelLog({ dir, observer: { onError: (error) => errors.push(error) } })
      expect(errors).toMatchObject([{ code: LogErrorCode.StorageCorrupt, dir }])
      expect(errors[0]!.message).toContain(file)
      expect(await log.verify('d')).toMatchObject({ entries: 5, damaged: [] })
      await log.close()
    }))
})
