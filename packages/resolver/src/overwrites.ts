/**
 * [V2]: map values an update set without seeing a value another update had set for the same key. Yjs
 * records what its author saw as the new item's left origin: every item right of it was unseen.
 */
import * as Y from 'yjs'
import { isOverwritableField } from './changes.ts'
import type { Causality } from './causality.ts'
import type { AnyType } from './touched.ts'

export interface Overwrite { path: string; value: unknown; others: Array<{ seq: number; value: unknown }> }

/** The dotted path of a Y.Map key inside the schedule layout, or null for anything deeper or foreign. */
const mapPath = (parent: AnyType, key: string): string | null => {
  const item = parent._item
  if (item === null) {
    const root = Y.findRootTypeKey(parent)
    return root === 'settings' ? `settings.${key}` : null
  }
  const grand = item.parent as AnyType
  if (grand._item !== null || item.parentSub === null) return null
  const root = Y.findRootTypeKey(grand)
  return root === 'staff' || root === 'shifts' ? `${root}.${item.parentSub}.${key}` : null
}

/**
 * The overwrites in entry `seq`'s structs (already integrated into `doc`): for each value it set, the
 * values right of its origin written by other retained entries before it.
 */
export const overwritesOf = (doc: Y.Doc, causality: Causality, seq: number, structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>): Overwrite[] => {
  const out: Overwrite[] = []
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue
    // Decoded structs omit parentSub when they have an origin; the integrated item knows it.
    const item = Y.getItem(doc.store, struct.id)
    if (!(item instanceof Y.Item) || item.parentSub === null || !(item.content instanceof Y.ContentAny)) continue
    const parent = item.parent as AnyType
    const path = mapPath(parent, item.parentSub)
    if (path === null || !isOverwritableField(path)) continue
    // The decoded struct's origin is exact; the integrated item may have been merged with neighbours.
    const origin = struct.origin
    const value: unknown = item.content.getContent()[struct.id.clock - item.id.clock]
    // Yjs merges adjacent deleted items of one client, so walk every clock of every item.
    const others: Array<{ seq: number; value: unknown }> = []
    for (let cursor = parent._map.get(item.parentSub) ?? null; cursor !== null; cursor = cursor.left) {
      const covers = origin !== null && cursor.id.client === origin.client &&
        cursor.id.clock <= origin.clock && origin.clock < cursor.id.clock + cursor.length
      const contents = cursor.content instanceof Y.ContentAny ? cursor.content.getContent() : []
      for (let k = covers && origin ? origin.clock - cursor.id.clock + 1 : 0; k < cursor.length; k++) {
        const by = causality.seqOf(cursor.id.client, cursor.id.clock + k)
        // Entries after this one (when an entry is read back from the log) were not there to be unseen.
        if (by !== undefined && by < seq && k < contents.length) others.push({ seq: by, value: contents[k] })
      }
      if (covers) break
    }
    if (others.length > 0) out.push({ path, value, others })
  }
  return out
}
