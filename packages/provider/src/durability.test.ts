import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SaveTracker, isEmptyUpdate } from './durability.ts'

const capture = (doc: Y.Doc, fn: () => void): Uint8Array => {
  const updates: Uint8Array[] = []
  const listener = (update: Uint8Array): void => {
    updates.push(update)
  }
  doc.on('update', listener)
  fn()
  doc.off('update', listener)
  if (updates.length === 0) throw new Error('no update')
  return Y.mergeUpdates(updates)
}

const local = { sent: true, trackDeletes: true }

describe('SaveTracker', () => {
  it('confirms a change when durable clocks cover it', () => {
    const doc = new Y.Doc()
    const tracker = new SaveTracker()
    tracker.addChange(capture(doc, () => doc.getMap('m').set('a', 1)), { sent: false, trackDeletes: true })
    tracker.addChange(capture(doc, () => doc.getMap('m').set('b', 2)), { sent: false, trackDeletes: true })
    expect(tracker.unsyncedChanges).toBe(2)
    tracker.acknowledged(new Map([[doc.clientID, 1]]), false)
    expect(tracker.unsyncedChanges).toBe(1)
    tracker.acknowledged(new Map([[doc.clientID, 2]]), false)
    expect(tracker.unsyncedChanges).toBe(0)
  })

  it('confirms a delete-only change only through the ordered acknowledgement of its send', () => {
    const doc = new Y.Doc()
    const tracker = new SaveTracker()
    tracker.addChange(capture(doc, () => doc.getMap('m').set('a', 1)), local)
    const del = capture(doc, () => doc.getMap('m').delete('a'))
    expect(Y.parseUpdateMeta(del).to.size).toBe(0)
    tracker.addChange(del, local)
    // a reply to sync step 1 covering every clock does not confirm the deletion
    tracker.acknowledged(new Map([[doc.clientID, 1]]), false)
    expect(tracker.unsyncedChanges).toBe(1)
    tracker.acknowledged(new Map([[doc.clientID, 1]]), true) // ack of send #1
    expect(tracker.unsyncedChanges).toBe(1)
    tracker.acknowledged(new Map(), true) // ack of send #2: the deletion
    expect(tracker.unsyncedChanges).toBe(0)
  })

  it('after a refusal on the connection, ordered acks stop confirming; a new connection resends everything', () => {
    const doc = new Y.Doc()
    const tracker = new SaveTracker()
    doc.getMap('m').set('a', 1)
    tracker.addChange(capture(doc, () => doc.getMap('m').delete('a')), local)
    tracker.refused()
    tracker.acknowledged(new Map(), true)
    expect(tracker.unsyncedChanges).toBe(1)
    tracker.newConnection()
    tracker.acknowledged(new Map(), true) // an ack before anything was sent on the new connection
    expect(tracker.unsyncedChanges).toBe(1)
    tracker.answeredSyncStep1(false)
    tracker.acknowledged(new Map(), true)
    expect(tracker.unsyncedChanges).toBe(0)
  })

  it('an empty answer to sync step 1 counts as a send but confirms nothing', () => {
    const doc = new Y.Doc()
    const tracker = new SaveTracker()
    tracker.addChange(capture(doc, () => doc.getMap('m').set('a', 1)), local)
    tracker.newConnection() // cut before its ack; the server got it, its append may still be pending
    tracker.answeredSyncStep1(true)
    tracker.acknowledged(new Map(), true) // the empty answer's ack, sent at once
    expect(tracker.unsyncedChanges).toBe(1)
    expect(tracker.awaitsClocks).toBe(true)
    tracker.acknowledged(new Map([[doc.clientID, 1]]), false) // a probe's reply, once the append settled
    expect(tracker.unsyncedChanges).toBe(0)
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(new Y.Doc()))).toBe(true)
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(doc))).toBe(false)
  })

  it('ignores deletions of changes it does not own (another tab confirms those)', () => {
    const other = new Y.Doc()
    other.getArray('a').push([1])
    const tracker = new SaveTracker()
    tracker.addChange(capture(other, () => other.getArray('a').delete(0, 1)), { sent: false, trackDeletes: false })
    expect(tracker.unsyncedChanges).toBe(0)
    tracker.addChange(capture(other, () => other.getArray('a').push([2])), { sent: false, trackDeletes: false })
    expect(tracker.awaitsClocks).toBe(true)
    tracker.acknowledged(Y.decodeStateVector(Y.encodeStateVector(other)), false)
    expect(tracker.unsyncedChanges).toBe(0)
  })
})
