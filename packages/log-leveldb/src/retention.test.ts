import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LogErrorCode } from '@rota/log'
import { contentOf, docFromState } from '@rota/log/testing'
import { openLevelLog } from './level-log.ts'
import { T0, withDir, writeEdits } from './test-helpers.ts'

describe('retention', () => {
  it('is off by default: the whole history stays', () =>
    withDir(async (dir) => {
      const log = await openLevelLog({ dir, checkpointEvery: 5, now: () => T0 + 10 ** 9 })
      await writeEdits(log, 'd', 40)
      await log.idle()
      expect(await log.applyRetention('d')).toBe(0)
      expect(await log.head('d')).toMatchObject({ headSeq: 40, historyStartsAt: 1 })
      await log.close()
    }))

  it('folds entries older than the horizon into a base checkpoint, and says history before it is gone', () =>
    withDir(async (dir) => {
      // Entry i is received at T0 + i s; the clock stands at T0 + 100 s; keep 70 s: entries 0..30 are older.
      const options = { dir, checkpointEvery: 10, retention: { maxAgeMs: 70_000 }, now: () => T0 + 100_000 }
      let log = await openLevelLog(options)
      const { editor, updates } = await writeEdits(log, 'd', 100)
      await log.idle()
      const base = await log.applyRetention('d')
      expect(base).toBeGreaterThan(0)
      expect(base).toBeLessThanOrEqual(31)
      expect(await log.head('d')).toMatchObject({ headSeq: 100, historyStartsAt: base + 1 })
      await expect(log.stateAt('d', { seq: base - 1 })).rejects.toMatchObject({ code: LogErrorCode.HistoryGone, doc: 'd' })
      await expect(log.stateAt('d', { time: T0 })).rejects.toMatchObject({ code: LogErrorCode.HistoryGone })
      const seqs: number[] = []
      for await (const entry of log.read('d')) seqs.push(entry.seq)
      expect(seqs[0]).toBe(base + 1)
      expect(seqs.at(-1)).toBe(100)

      const expected = new Y.Doc()
      for (const update of updates.slice(0, base)) Y.applyUpdate(expected, update)
      expect(contentOf(docFromState(await log.stateAt('d', { seq: base })))).toEqual(contentOf(expected))
      await log.close()
      log = await openLevelLog(options)
      expect(contentOf(docFromState(await log.stateAt('d')))).toEqual(contentOf(editor.doc))
      expect(await log.verify('d')).toMatchObject({ damaged: [], entries: 100 - base })
      expect(await log.head('d')).toMatchObject({ historyStartsAt: base + 1 })
      await log.close()
    }))
})
