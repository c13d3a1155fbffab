import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
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

describe('checkpoints built from the worker’s kept document', () => {
  it('match a rebuild from the entries across truncation and removal (seqs name states for good)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-log-'))
    const log = await openLevelLog({ dir, checkpointEvery: 1_000_000, durability: 'buffered' })
    const fromEntries = async (doc: string) => {
      const copy = new Y.Doc()
      for await (const entry of log.read(doc)) Y.applyUpdate(copy, entry.update)
      return copy
    }
    const expectConsistent = async (doc: string) => {
      const stored = docFromState(await log.stateAt(doc))
      const replayed = await fromEntries(doc)
      expect(contentOf(stored)).toEqual(contentOf(replayed))
      expect(Y.encodeStateVector(stored)).toEqual(Y.encodeStateVector(replayed))
    }
    try {
      let editor = createEditor(1)
      const write = async (doc: string, n: number) => {
        for (let i = 0; i < n; i++) {
          await log.append(doc, editor.edit((d) => (d.getMap('shifts').has('s') ? editShift(d, 's', i) : addShift(d, 's', i)))!, metaFor('a', [1], 1000))
        }
      }
      await write('k', 5)
      expect(await log.checkpoint('k')).toBe(5) // kept: k@5
      await write('k', 3)
      expect(await log.checkpoint('k')).toBe(8) // from k@5 plus 3 entries; kept: k@8
      await expectConsistent('k')
      // Cut back behind the kept state: its seq is never a base again.
      await log.truncateAfter('k', 6)
      editor = createEditor(2)
      await write('k', 4) // seqs 9…12 on top of the state at 6 (a new client: the cut edits are gone)
      expect(await log.checkpoint('k')).toBe(12)
      await expectConsistent('k')
      // A removed name written again starts empty; its old checkpoint seqs are not reused either.
      await log.removeDoc('k', metaFor('admin', [], 2000))
      editor = createEditor(3)
      await write('k', 2)
      expect(await log.checkpoint('k')).toBe(14)
      await write('k', 1)
      expect(await log.checkpoint('k')).toBe(15)
      await expectConsistent('k')
      expect(contentOf(docFromState(await log.stateAt('k')))).toEqual(contentOf(editor.doc))
    } finally {
      await log.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
