import { readFile, truncate, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LogErrorCode } from '@rota/log'
import type { LogEntry } from '@rota/log'
import { contentOf, createEditor, docFromState, metaFor } from '@rota/log/testing'
import type { Editor } from '@rota/log/testing'
import { Tag, docPrefix, seqKey } from './keys.ts'
import { openLevelLog } from './level-log.ts'
import type { LevelLog } from './level-log.ts'
import { repairLevelLog } from './repair.ts'
import { T0, newestLog, withDir, writeEdits } from './test-helpers.ts'

async function collect(iterable: AsyncIterable<LogEntry>): Promise<number[]> {
  const seqs: number[] = []
  for await (const entry of iterable) seqs.push(entry.seq)
  return seqs
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** The history: st/a and st/b, 30 entries each, in turns of ten, one entry per batch. */
async function writeBoth(dir: string): Promise<Record<'st/a' | 'st/b', Editor>> {
  const log = await openLevelLog({ dir })
  const editors = { 'st/a': createEditor(1), 'st/b': createEditor(2) }
  for (let turn = 0; turn < 3; turn++) {
    for (const doc of ['st/a', 'st/b'] as const) await writeEdits(log, doc, 10, editors[doc])
  }
  await log.close()
  return editors
}

/** What a reconnecting client does: it sends what the server's state vector says the server lacks. */
async function giveBack(log: LevelLog, doc: string, editor: Editor): Promise<number> {
  const held = docFromState(await log.stateAt(doc))
  const missing = Y.encodeStateAsUpdate(editor.doc, Y.encodeStateVector(held))
  return log.append(doc, missing, metaFor('ana', [editor.doc.clientID], T0 + 100_000))
}

describe('damage to the newest write-ahead log', () => {
  it('a flipped byte in one entry: open refuses naming the file; repair keeps every other entry and names the lost one', () =>
    withDir(async (dir) => {
      const editors = await writeBoth(dir)
      const wal = await newestLog(dir)
      const bytes = await readFile(wal)
      const key = seqKey(docPrefix(Tag.Entry, 'st/a'), 12)
      const at = Buffer.from(bytes).indexOf(Buffer.from(key))
      expect(at).toBeGreaterThan(0)
      bytes[at + key.length + 12]! ^= 0x5a
      await writeFile(wal, bytes)

      const refused = openLevelLog({ dir })
      await expect(refused).rejects.toMatchObject({ code: LogErrorCode.StorageCorrupt, dir })
      await expect(refused).rejects.toThrow(basename(wal))

      const report = await repairLevelLog({ dir })
      expect(report.lost).toEqual({ 'st/a': [[12, 12]] })
      expect(report.logs).toMatchObject([{ file: basename(wal), dropped: 1 }])
      let log = await openLevelLog({ dir })
      expect(await log.verify('st/a')).toMatchObject({ entries: 29, damaged: [{ seq: 12, reason: 'missing' }] })
      expect(await log.verify('st/b')).toMatchObject({ entries: 30, damaged: [] })
      expect((await log.head('st/a'))?.headSeq).toBe(30)
      await expect(log.stateAt('st/a')).rejects.toMatchObject({ code: LogErrorCode.Corrupt, doc: 'st/a', seq: 12 })
      expect(contentOf(docFromState(await log.stateAt('st/b')))).toEqual(contentOf(editors['st/b'].doc))

      // The operator cuts after the last intact entry; a client that holds the edits gives them back.
      expect(await log.truncateAfter('st/a', 11)).toBe(18)
      expect(await giveBack(log, 'st/a', editors['st/a'])).toBe(31)
      expect(contentOf(docFromState(await log.stateAt('st/a')))).toEqual(contentOf(editors['st/a'].doc))
      await log.close()
      log = await openLevelLog({ dir })
      expect(await log.verify('st/a')).toMatchObject({ damaged: [] })
      await log.close()
    }))

  it('a flipped byte in the last record, which LevelDB takes for a torn write and drops: the heads file names it', () =>
    withDir(async (dir) => {
      const editors = await writeBoth(dir)
      const wal = await newestLog(dir)
      const bytes = await readFile(wal)
      const key = seqKey(docPrefix(Tag.Entry, 'st/b'), 30)
      bytes[Buffer.from(bytes).lastIndexOf(Buffer.from(key)) + key.length + 12]! ^= 0x01
      await writeFile(wal, bytes)

      const errors: Error[] = []
      const log = await openLevelLog({ dir, observer: { onError: (error) => errors.push(error) } })
      expect(errors).toMatchObject([{ code: LogErrorCode.Corrupt, doc: 'st/b', seq: 30 }])
      expect(await log.verify('st/b')).toMatchObject({ entries: 29, damaged: [{ seq: 30, reason: 'missing' }] })
      expect((await log.head('st/b'))?.headSeq).toBe(30)
      await expect(log.stateAt('st/b')).rejects.toMatchObject({ code: LogErrorCode.Corrupt, doc: 'st/b', seq: 30 })
      expect(contentOf(docFromState(await log.stateAt('st/a')))).toEqual(contentOf(editors['st/a'].doc))
      await log.close()
    }))

  it('cut to half: both documents name their missing seqs on load, in reads and in verify, across reopens, until repaired', () =>
    withDir(async (dir) => {
      const editors = await writeBoth(dir)
      const wal = await newestLog(dir)
      const { length } = await readFile(wal)
      await truncate(wal, Math.floor(length / 2))

      const errors: Error[] = []
      let log = await openLevelLog({ dir, observer: { onError: (error) => errors.push(error) } })
      const firstLost: Record<string, number> = {}
      for (const doc of ['st/a', 'st/b'] as const) {
        const { damaged, entries } = await log.verify(doc)
        const first = entries + 1
        firstLost[doc] = first
        expect(first).toBeLessThan(30)
        expect(damaged).toEqual(range(first, 30).map((seq) => ({ seq, reason: 'missing' })))
        expect((await log.head(doc))?.headSeq).toBe(30)
        await expect(log.stateAt(doc)).rejects.toMatchObject({ code: LogErrorCode.Corrupt, doc, seq: first })
        await expect(log.stateParts(doc)).rejects.toMatchObject({ code: LogErrorCode.Corrupt, doc, seq: first })
        const read: number[] = []
        await expect(
          (async () => {
            for await (const entry of log.read(doc)) read.push(entry.seq)
          })(),
        ).rejects.toMatchObject({ code: LogErrorCode.Corrupt, doc, seq: first })
        expect(read).toEqual(range(1, first - 1))
        expect(await collect(log.read(doc, { toSeq: first - 1 }))).toEqual(range(1, first - 1))
        expect(errors).toContainEqual(expect.objectContaining({ code: LogErrorCode.Corrupt, doc, seq: first }))
      }
      await log.close()
      // Still known after the heads files are replaced and LevelDB has rewritten its files.
      log = await openLevelLog({ dir })
      expect((await log.verify('st/b')).damaged).toHaveLength(31 - firstLost['st/b']!)
      await log.close()

      const report = await repairLevelLog({ dir, truncateDamaged: true })
      expect(report.lost).toEqual({ 'st/a': [[firstLost['st/a'], 30]], 'st/b': [[firstLost['st/b'], 30]] })
      expect(report.docs.every((verified) => verified.damaged.length === 0)).toBe(true)
      log = await openLevelLog({ dir })
      for (const doc of ['st/a', 'st/b'] as const) {
        // Numbering goes on after the acknowledged head: lost seqs are never handed out again.
        expect(await giveBack(log, doc, editors[doc])).toBe(31)
        expect(contentOf(docFromState(await log.stateAt(doc)))).toEqual(contentOf(editors[doc].doc))
        expect(await log.verify(doc)).toMatchObject({ damaged: [] })
      }
      await log.close()
    }))
})
