import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import { SaveTracker, uncovered } from './durability.ts'

const capture = (doc: Y.Doc, fn: () => void): Uint8Array => {
  let captured: Uint8Array | null = null
  const listener = (update: Uint8Array): void => {
    captured = captured === null ? update : Y.mergeUpdates([captured, update])
  }
  doc.on('update', listener)
  fn()
  doc.off('update', listener)
  if (captured === null) throw new Error('no update')
  return captured
}

describe('uncovered', () => {
  it('subtracts deleted runs from a range', () => {
    const range = { client: 1, clock: 10, len: 10 }
    expect(uncovered(range, [])).toEqual([range])
    expect(uncovered(range, [{ clock: 0, len: 30 }])).toEqual([])
    expect(uncovered(range, [{ clock: 12, len: 2 }, { clock: 16, len: 1 }])).toEqual([
      { client: 1, clock: 10, len: 2 },
      { client: 1, clock: 14, len: 2 },
      { client: 1, clock: 17, len: 3 },
    ])
  })

  it('agrees with a per-clock model', () => {
    const run = fc.record({ clock: fc.nat(40), len: fc.integer({ min: 1, max: 10 }) })
    fc.assert(
      fc.property(run, fc.array(run, { maxLength: 6 }), (range, deleted) => {
        const covered = (c: number): boolean => deleted.some((d) => c >= d.clock && c < d.clock + d.len)
        const rest = uncovered({ client: 7, ...range }, deleted)
        for (let c = range.clock; c < range.clock + range.len; c++) {
          expect(rest.some((r) => c >= r.clock && c < r.clock + r.len)).toBe(!covered(c))
        }
        expect(rest.every((r) => r.len > 0 && r.clock >= range.clock && r.clock + r.len <= range.clock + range.len)).toBe(true)
      }),
    )
  })
})

describe('SaveTracker', () => {
  it('confirms a change when the durable clocks cover it', () => {
    const doc = new Y.Doc()
    const tracker = new SaveTracker()
    tracker.addChange(capture(doc, () => doc.getMap('m').set('a', 1)))
    tracker.addChange(capture(doc, () => doc.getMap('m').set('b', 2)))
    expect(tracker.unsyncedChanges).toBe(2)
    tracker.confirmClocks(new Map([[doc.clientID, 1]]))
    expect(tracker.unsyncedChanges).toBe(1)
    tracker.confirmClocks(new Map([[doc.clientID, 2]]))
    expect(tracker.unsyncedChanges).toBe(0)
  })

  it('keeps a delete-only change pending until a server update shows the deletion', () => {
    const doc = new Y.Doc()
    const server = new Y.Doc()
    const tracker = new SaveTracker()
    const set = capture(doc, () => doc.getMap('m').set('a', 1))
    Y.applyUpdate(server, set)
    tracker.addChange(set)
    tracker.confirmClocks(Y.decodeStateVector(Y.encodeStateVector(doc)))
    const del = capture(doc, () => doc.getMap('m').delete('a'))
    expect(Y.parseUpdateMeta(del).to.size).toBe(0)
    tracker.addChange(del)
    tracker.confirmClocks(Y.decodeStateVector(Y.encodeStateVector(doc)))
    expect(tracker.unsyncedChanges).toBe(1)
    expect(tracker.awaitsDeletes).toBe(true)
    // the server's step 2 before it has the deletion does not confirm it …
    tracker.confirmServerUpdate(Y.encodeStateAsUpdate(server, Y.encodeStateVector(doc)))
    expect(tracker.unsyncedChanges).toBe(1)
    // … the one after does
    Y.applyUpdate(server, del)
    tracker.confirmServerUpdate(Y.encodeStateAsUpdate(server, Y.encodeStateVector(doc)))
    expect(tracker.unsyncedChanges).toBe(0)
  })

  it('takes clocks of server updates as durable', () => {
    const remote = new Y.Doc()
    const tracker = new SaveTracker()
    const update = capture(remote, () => remote.getArray('a').push([1, 2, 3]))
    tracker.addChange(update) // e.g. it came from another tab first
    tracker.confirmServerUpdate(update)
    expect(tracker.unsyncedChanges).toBe(0)
  })
})
