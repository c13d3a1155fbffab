import * as Y from 'yjs'
import { Root } from '@rota/model'

/** Deepest nesting walked from an item up to the shifts map (the schema nests two levels). */
const MAX_DEPTH = 32

/** The shift id an item of the document sits under (`shifts.<id>…`), or undefined. */
const shiftOf = (item: Y.Item, shifts: unknown): string | undefined => {
  let current: Y.Item | null = item
  for (let depth = 0; current !== null && depth <= MAX_DEPTH; depth++) {
    const parent: Y.Item['parent'] = current.parent
    if (!(parent instanceof Y.AbstractType)) return undefined
    if (parent === shifts) return current.parentSub ?? undefined
    current = parent._item
  }
  return undefined
}

const itemAt = (store: Y.Doc['store'], id: Y.ID): Y.Item | undefined => {
  try {
    const struct = Y.getItem(store, id)
    return struct instanceof Y.Item ? struct : undefined
  } catch {
    // Garbage-collected or never integrated (a pending struct): nothing of a shift to read.
    return undefined
  }
}

/**
 * The shifts an update touched, read from the room's document *after* it was applied (what
 * `Rooms.onUpdate` hands out): each struct and deleted range of the update is looked up in the
 * document and walked up to its shift. describeUpdate cannot answer here, since it skips the structs the
 * document already holds. The cost is about the size of the update.
 */
export const shiftsTouched = (ydoc: Y.Doc, update: Uint8Array): Set<string> => {
  const out = new Set<string>()
  const shifts: unknown = ydoc.getMap(Root.shifts)
  const note = (id: Y.ID): number => {
    const item = itemAt(ydoc.store, id)
    if (item === undefined) return 1
    const shift = shiftOf(item, shifts)
    if (shift !== undefined) out.add(shift)
    return Math.max(1, item.id.clock + item.length - id.clock)
  }
  const { structs, ds } = Y.decodeUpdate(update)
  for (const struct of structs) if (struct instanceof Y.Item) note(struct.id)
  for (const [client, ranges] of ds.clients) {
    for (const range of ranges) {
      for (let clock = range.clock; clock < range.clock + range.len;) clock += note(Y.createID(client, clock))
    }
  }
  return out
}
