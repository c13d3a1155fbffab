/**
 * Which schedule records an update touched (`shifts.<id>`, `staff.<id>`, `settings`): the unit the
 * resolver re-reads and re-checks, so the work for an update follows what it changed, not the schedule's size.
 */
import * as Y from 'yjs'
import type { DeleteRange } from './causality.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types differ in their event type only
export type AnyType = Y.AbstractType<any>
export type RecordKey = string

/** The collection of a record key (`staff.ana`, `shifts.s1`; `settings` has none). */
export const collectionOf = (key: RecordKey): 'staff' | 'shifts' => (key.startsWith('staff.') ? 'staff' : 'shifts')
export const idOf = (key: RecordKey): string => key.slice(key.indexOf('.') + 1)
const order = (key: RecordKey): string => (key.startsWith('staff.') ? `0${key}` : key.startsWith('shifts.') ? `1${key}` : `2${key}`)
/** Staff first, then shifts, then the settings, each by id: the order changes are listed in. */
export const sortedRecords = (keys: Iterable<RecordKey>): RecordKey[] => [...keys].sort((a, b) => (order(a) < order(b) ? -1 : 1))

/** The root types' names of a document, looked up by type (refreshed when a root appears). */
export class Roots {
  private names = new Map<AnyType, string>()
  constructor(private readonly doc: Y.Doc) {}

  nameOf(type: AnyType): string | undefined {
    if (this.names.size !== this.doc.share.size) this.names = new Map([...this.doc.share].map(([name, t]) => [t as AnyType, name]))
    return this.names.get(type)
  }

  /** The record a change of `key` in `type` belongs to, or null outside the schedule's layout. */
  recordOf(type: AnyType, key: string | null): RecordKey | null {
    let child: string | null = key
    let parent = type
    // Walk up to the root: the record is the root's child that holds the change.
    while (parent._item !== null) {
      child = parent._item.parentSub
      parent = parent._item.parent as AnyType
    }
    const root = this.nameOf(parent)
    if (root === 'settings') return 'settings'
    return (root === 'staff' || root === 'shifts') && child !== null ? `${root}.${child}` : null
  }
}

/** Records a transaction changed (`tr.changed`: every type and key whose content changed in the merged state). */
export const touchedByTransaction = (roots: Roots, changed: Map<AnyType, Set<string | null>>): Set<RecordKey> => {
  const out = new Set<RecordKey>()
  for (const [type, keys] of changed) {
    for (const key of keys) {
      const rec = roots.recordOf(type, key)
      if (rec !== null) out.add(rec)
    }
  }
  return out
}

const recordOfItem = (roots: Roots, item: Y.Item): RecordKey | null =>
  item.parent instanceof Y.AbstractType ? roots.recordOf(item.parent as AnyType, item.parentSub) : null

/**
 * Records an update's own structs and deletions are in, read from the integrated document: what the update
 * can have changed in its author's view, whatever it changed in the merged state.
 */
export const touchedByUpdate = (doc: Y.Doc, roots: Roots, structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>, deletes: DeleteRange[]): Set<RecordKey> => {
  const out = new Set<RecordKey>()
  const add = (item: Y.Item | Y.GC): void => {
    const rec = item instanceof Y.Item ? recordOfItem(roots, item) : null
    if (rec !== null) out.add(rec)
  }
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue
    add(Y.getItem(doc.store, struct.id) as Y.Item | Y.GC)
  }
  for (const { client, clock, len } of deletes) {
    const list = doc.store.clients.get(client)
    if (list === undefined || list.length === 0 || clock >= Y.getState(doc.store, client)) continue
    for (let i = Y.findIndexSS(list, clock); i < list.length && (list[i] as Y.Item).id.clock < clock + len; i++) add(list[i] as Y.Item | Y.GC)
  }
  return out
}

/** An update's delete set as ranges. */
export const deletesOf = (decoded: { ds: unknown }): DeleteRange[] => {
  const out: DeleteRange[] = []
  for (const [client, ranges] of (decoded.ds as { clients: Map<number, Array<{ clock: number; len: number }>> }).clients) {
    for (const { clock, len } of ranges) out.push({ client, clock, len })
  }
  return out
}
