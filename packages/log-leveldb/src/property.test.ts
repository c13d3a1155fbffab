import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyStateParts, createMemoryLog, stateParts } from '@rota/log'
import type { StatePart, UpdateLog } from '@rota/log'
import { addShift, contentOf, createEditor, docFromState, editShift, metaFor } from '@rota/log/testing'
import { openLevelLog } from './level-log.ts'
import { withDir } from './test-helpers.ts'

type Step =
  | { kind: 'edit'; client: number; shift: number; n: number; checkpoint: boolean }
  | { kind: 'sync'; from: number; to: number }

const step = (clients: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('edit' as const), client: fc.nat(clients - 1), shift: fc.nat(5), n: fc.nat(50), checkpoint: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sync' as const), from: fc.nat(clients - 1), to: fc.nat(clients - 1) }) },
  )

const scenario = fc.integer({ min: 2, max: 4 }).chain((clients) => fc.tuple(fc.constant(clients), fc.array(step(clients), { minLength: 1, maxLength: 40 })))

/**
 * Several Yjs clients edit a schedule and now and then sync with each other; every update a client
 * produces is appended (in production order, as a server would receive them), with checkpoints at
 * arbitrary positions. Then: state at k == the first k updates applied to a fresh doc; head == live doc.
 */
async function check(log: UpdateLog, checkpoint: (doc: string) => Promise<unknown>, clients: number, steps: Step[]): Promise<void> {
  const editors = Array.from({ length: clients }, (_, i) => createEditor(i + 1))
  const live = new Y.Doc()
  const updates: Uint8Array[] = []
  for (const s of steps) {
    if (s.kind === 'sync') {
      if (s.from !== s.to) Y.applyUpdate(editors[s.to]!.doc, Y.encodeStateAsUpdate(editors[s.from]!.doc, Y.encodeStateVector(editors[s.to]!.doc)))
      continue
    }
    const editor = editors[s.client]!
    const id = `s${s.shift}`
    const update = editor.edit((d) => (d.getMap('shifts').has(id) ? editShift(d, id, s.n) : addShift(d, id, s.n)))
    if (update === undefined) continue
    updates.push(update)
    Y.applyUpdate(live, update)
    await log.append('p', update, metaFor('x', [editor.doc.clientID], 1_000 + updates.length))
    if (s.checkpoint) await checkpoint('p')
  }
  for (let k = 0; k <= updates.length; k++) {
    const expected = new Y.Doc()
    for (const update of updates.slice(0, k)) Y.applyUpdate(expected, update)
    // Both forms: the merged v1 state and the parts (a v2 checkpoint, then the tail) a server applies.
    for (const atK of [docFromState(await log.stateAt('p', { seq: k })), docFromParts(await stateParts(log, 'p', { seq: k }))]) {
      expect(contentOf(atK)).toEqual(contentOf(expected))
      expect(Y.encodeStateVector(atK)).toEqual(Y.encodeStateVector(expected))
    }
  }
  for (const head of [docFromState(await log.stateAt('p')), docFromParts(await stateParts(log, 'p'))]) {
    expect(contentOf(head)).toEqual(contentOf(live))
    expect(Y.encodeStateVector(head)).toEqual(Y.encodeStateVector(live))
  }
}

function docFromParts(parts: StatePart[]): Y.Doc {
  const doc = new Y.Doc()
  applyStateParts(doc, parts)
  return doc
}

describe('time travel (property)', () => {
  it('state at k equals the first k updates, state at head equals the live doc (LevelDB, any checkpoints)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, ([clients, steps]) =>
        withDir(async (dir) => {
          // Automatic checkpoints every 4 entries as well as the explicit ones at random positions.
          const log = await openLevelLog({ dir, checkpointEvery: 4, durability: 'buffered' })
          try {
            await check(log, (doc) => log.checkpoint(doc), clients, steps)
          } finally {
            await log.close()
          }
        }),
      ),
      { numRuns: 25 },
    )
  }, 120_000)

  it('holds for the in-memory log too', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ([clients, steps]) => {
        const log = createMemoryLog()
        await check(log, async () => undefined, clients, steps)
      }),
      { numRuns: 50 },
    )
  })
})
