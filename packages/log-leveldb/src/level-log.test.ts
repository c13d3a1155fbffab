import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runUpdateLogCompliance } from '@rota/log/compliance'
import { addShift, contentOf, createEditor, docFromState, editShift, metaFor } from '@rota/log/testing'
import { openLevelLog } from './level-log.ts'
import type { LevelLog, LevelLogOptions } from './level-log.ts'

/** Compliance with checkpoints after every 3 entries, so loads always mix checkpoints and tails. */
function setup(options: Partial<LevelLogOptions>) {
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-log-'))
    let log: LevelLog = await openLevelLog({ dir, ...options })
    return {
      log,
      reopen: async () => {
        await log.close()
        log = await openLevelLog({ dir, ...options })
        return log
      },
      cleanup: async () => {
        await log.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  }
}

runUpdateLogCompliance('leveldb', setup({}), { persistent: true })
runUpdateLogCompliance('leveldb, buffered, checkpoint every 3', setup({ durability: 'buffered', checkpointEvery: 3 }), { persistent: true })
// Every document's state dropped as soon as it is idle: everything must come back from disk.
runUpdateLogCompliance('leveldb, one cached document, checkpoint every 2', setup({ maxCachedDocs: 1, checkpointEvery: 2 }), { persistent: true })

describe('the per-document state cache', () => {
  it('stays bounded while documents come and go, and what it dropped reads back from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-log-'))
    const log = await openLevelLog({ dir, maxCachedDocs: 4, durability: 'buffered' })
    try {
      const editors = Array.from({ length: 12 }, (_, i) => createEditor(i + 1))
      for (let round = 0; round < 3; round++) {
        await Promise.all(
          editors.map((editor, i) =>
            log.append(`doc/${i}`, editor.edit((d) => (round === 0 ? addShift(d, 's', i) : editShift(d, 's', round)))!, metaFor('a', [i + 1], 1000 + round)),
          ),
        )
        expect(log.cachedDocs()).toBeLessThanOrEqual(12)
        for (const [i, editor] of editors.entries()) {
          expect(await log.head(`doc/${i}`)).toMatchObject({ headSeq: round + 1, lastChange: 1000 + round })
          expect(contentOf(docFromState(await log.stateAt(`doc/${i}`)))).toEqual(contentOf(editor.doc))
          expect(log.cachedDocs()).toBeLessThanOrEqual(4)
        }
      }
    } finally {
      await log.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
