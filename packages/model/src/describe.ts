/**
 * describeUpdate: what a Yjs (v1) update would change in a document, without applying it.
 *
 * It decodes the update's structs, places each new item in the document tree (root name, or parent item
 * found in the doc's struct store or in the update itself; an item without parent info inherits its
 * neighbour's, as Yjs does on integration) and maps the place to a schema path. The update's delete set is
 * resolved against the doc's store. Nothing is cloned, so the cost is about the size of the update.
 */
import * as Y from 'yjs'
import { ModelError, ModelErrorCode } from './errors.ts'
import { isSchemaPath } from './paths.ts'

export interface UpdateChange {
  /** Schema path, e.g. `shifts.s42.assignee`, or `?` when the place could not be resolved. */
  path: string
  /**
   * `insert`: a map key the doc does not have yet (a new record, a new field) or an item added to a list;
   * `set`: a map key the doc has (previous value in `previous`); `delete`: a key or list item removed.
   */
  kind: 'set' | 'delete' | 'insert'
  value?: unknown
  previous?: unknown
  /** The change touches structure outside the schema (or whose place is unknown). */
  unknown?: true
}

/** Where an item lives: its parent (a root type's name or a parent item's id) and its map key, if any. */
type Parent = { readonly root: string } | { readonly item: Y.ID }
interface Placement {
  readonly parent: Parent
  readonly key: string | null
}

const UNKNOWN_PATH = '?'
/** Placement of an item Yjs would discard on integration. */
const GONE = 'gone'
const MAX_DEPTH = 32

const idKey = (id: Y.ID): string => `${id.client}:${id.clock}`

/** Structs of the update (items and GC, not Skip) by client, sorted by clock, for lookups by id. */
class UpdateStructs {
  private readonly byClient = new Map<number, Array<Y.Item | Y.GC>>()

  constructor(structs: Array<Y.Item | Y.GC | Y.Skip>) {
    for (const struct of structs) {
      if (struct instanceof Y.Skip) continue
      let list = this.byClient.get(struct.id.client)
      if (!list) this.byClient.set(struct.id.client, (list = []))
      list.push(struct)
    }
    for (const list of this.byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock)
  }

  /** The struct holding `id`, if the update has it. */
  struct(id: Y.ID): Y.Item | Y.GC | undefined {
    return findStruct(this.byClient.get(id.client) ?? [], id.clock)
  }

  find(id: Y.ID): Y.Item | undefined {
    const struct = this.struct(id)
    return struct instanceof Y.Item ? struct : undefined
  }

  *items(): Iterable<Y.Item> {
    for (const list of this.byClient.values()) for (const struct of list) if (struct instanceof Y.Item) yield struct
  }
}

/** Sorted, merged delete ranges per client (the update's delete set). */
class DeleteRanges {
  readonly byClient = new Map<number, Array<{ clock: number; len: number }>>()

  constructor(ds: { clients: Map<number, Array<{ clock: number; len: number }>> }) {
    for (const [client, ranges] of ds.clients) {
      const sorted = [...ranges].sort((a, b) => a.clock - b.clock)
      this.byClient.set(client, sorted)
    }
  }

  has(client: number, clock: number): boolean {
    const ranges = this.byClient.get(client)
    if (!ranges) return false
    let lo = 0
    let hi = ranges.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const range = ranges[mid]!
      if (clock < range.clock) hi = mid - 1
      else if (clock >= range.clock + range.len) lo = mid + 1
      else return true
    }
    return false
  }
}

class Describer {
  private readonly placements = new Map<Y.Item, Placement | typeof GONE | null>()
  private readonly children = new Map<string, Y.Item[]>()
  private rootNames: Map<Y.AbstractType<unknown>, string> | undefined

  constructor(
    private readonly doc: Y.Doc,
    private readonly update: UpdateStructs,
    private readonly deletes: DeleteRanges,
  ) {}

  // --- the document side --------------------------------------------------------------------

  private docState(client: number): number {
    return Y.getState(this.doc.store, client)
  }

  private docStruct(id: Y.ID): Y.Item | Y.GC | undefined {
    const structs = this.doc.store.clients.get(id.client)
    if (!structs || id.clock >= this.docState(id.client)) return undefined
    return structs[Y.findIndexSS(structs, id.clock)] as Y.Item | Y.GC
  }

  private docItem(id: Y.ID): Y.Item | undefined {
    const struct = this.docStruct(id)
    return struct instanceof Y.Item ? struct : undefined
  }

  private rootName(type: Y.AbstractType<unknown>): string | undefined {
    this.rootNames ??= new Map([...this.doc.share].map(([name, t]) => [t as Y.AbstractType<unknown>, name]))
    return this.rootNames.get(type)
  }

  private docPlacement(item: Y.Item): Placement | null {
    const parent = item.parent
    if (!(parent instanceof Y.AbstractType)) return null
    if (parent._item === null) {
      const root = this.rootName(parent)
      return root === undefined ? null : { parent: { root }, key: item.parentSub }
    }
    return { parent: { item: parent._item.id }, key: item.parentSub }
  }

  /** The doc's live container type for a parent, or undefined (absent, deleted, not a type). */
  private docContainer(parent: Parent): Y.AbstractType<unknown> | undefined {
    if ('root' in parent) return this.doc.share.get(parent.root) as Y.AbstractType<unknown> | undefined
    const item = this.docItem(parent.item)
    if (!item || item.deleted || !(item.content instanceof Y.ContentType)) return undefined
    return item.content.type as Y.AbstractType<unknown>
  }

  /** True when the item's container was deleted in the doc, so Yjs would integrate the item as deleted. */
  private containerGone(parent: Parent): boolean {
    if ('root' in parent) return false
    const struct = this.docStruct(parent.item)
    return struct !== undefined && (!(struct instanceof Y.Item) || struct.deleted)
  }

  // --- the update side ----------------------------------------------------------------------

  private isNew(id: Y.ID): boolean {
    return id.clock >= this.docState(id.client) && this.update.find(id) !== undefined
  }

  /** An item's placement; items without parent info inherit their neighbour's (origin first), iteratively. */
  place(item: Y.Item): Placement | typeof GONE | null {
    const chain = new Set<Y.Item>()
    let current: Y.Item = item
    let result: Placement | typeof GONE | null
    for (;;) {
      const known = this.placements.get(current)
      if (known !== undefined) {
        result = known
        break
      }
      const parent = current.parent as unknown
      if (typeof parent === 'string') {
        result = { parent: { root: parent }, key: current.parentSub }
        this.placements.set(current, result)
        break
      }
      if (parent instanceof Y.ID) {
        result = { parent: { item: parent }, key: current.parentSub }
        this.placements.set(current, result)
        break
      }
      if (chain.has(current)) {
        result = null // origins that loop: only forged updates do this
        break
      }
      chain.add(current)
      const neighbour = this.neighbour(current)
      if (neighbour === null) {
        result = null
        break
      }
      if (neighbour instanceof Y.GC) {
        // Yjs turns an item next to collected content into a GC struct too: it changes nothing.
        result = GONE
        break
      }
      if (neighbour.parent instanceof Y.AbstractType) {
        result = this.docPlacement(neighbour)
        break
      }
      current = neighbour
    }
    for (const link of chain) this.placements.set(link, result)
    return result
  }

  private neighbour(item: Y.Item): Y.Item | Y.GC | null {
    for (const id of [item.origin, item.rightOrigin]) {
      if (id === null) continue
      return this.docStruct(id) ?? this.update.struct(id) ?? null
    }
    return null
  }

  /** Path segments of a parent, or null when it cannot be resolved. */
  private segments(parent: Parent, depth = 0): string[] | null {
    if ('root' in parent) return [parent.root]
    if (depth > MAX_DEPTH) return null
    const item = this.docItem(parent.item) ?? this.update.find(parent.item)
    if (!item) return null
    const placement = item.parent instanceof Y.AbstractType ? this.docPlacement(item) : this.place(item)
    if (!placement || placement === GONE) return null
    const above = this.segments(placement.parent, depth + 1)
    return above && [...above, placement.key ?? UNKNOWN_PATH]
  }

  private pathOf(parent: Parent, key: string | null): string {
    const segments = this.segments(parent)
    if (!segments) return UNKNOWN_PATH
    return (key === null ? segments : [...segments, key]).join('.')
  }

  /** Is the element at `clock` deleted by the update itself (inserted and removed in the same update)? */
  private deletedHere(client: number, clock: number): boolean {
    return this.deletes.has(client, clock)
  }

  // --- values -------------------------------------------------------------------------------

  private indexChildren(): void {
    for (const item of this.update.items()) {
      const placement = this.place(item)
      if (placement && placement !== GONE && 'item' in placement.parent) {
        const key = idKey(placement.parent.item)
        const list = this.children.get(key)
        if (list) list.push(item)
        else this.children.set(key, [item])
      }
    }
  }

  /** JSON of a type created by this update, built from the update's own items. */
  private newTypeValue(item: Y.Item, depth: number): unknown {
    const type = (item.content as Y.ContentType).type
    const children = (this.children.get(idKey(item.id)) ?? []).filter((child) => !this.deletedHere(child.id.client, child.id.clock))
    const keyOf = (child: Y.Item): string | null => {
      const placement = this.place(child)
      return placement && placement !== GONE ? placement.key : null
    }
    const asMap = type instanceof Y.Map || (!(type instanceof Y.Array) && children.some((child) => keyOf(child) !== null))
    if (asMap) {
      const out: Record<string, unknown> = {}
      for (const child of children) {
        const key = keyOf(child)
        if (key !== null) out[key] = this.lastValue(child, depth + 1)
      }
      return out
    }
    return children.flatMap((child) => this.elements(child, 0, depth + 1).map((e) => e.value))
  }

  private toValue(raw: unknown, item: Y.Item, depth: number, inUpdate: boolean): unknown {
    if (raw instanceof Y.AbstractType) {
      if (inUpdate && depth <= MAX_DEPTH) return this.newTypeValue(item, depth)
      return typeJSON(raw)
    }
    return raw
  }

  private lastValue(item: Y.Item, depth: number): unknown {
    const inUpdate = !(item.parent instanceof Y.AbstractType)
    const content = item.content.getContent() as unknown[]
    return this.toValue(content[content.length - 1], item, depth, inUpdate)
  }

  /** The live elements of an item from `offset` on (strings kept whole), with their clocks. */
  private elements(item: Y.Item, offset: number, depth: number, keep = (_clock: number) => true): Array<{ value: unknown }> {
    const inUpdate = !(item.parent instanceof Y.AbstractType)
    const alive = (clock: number): boolean => keep(clock) && !(inUpdate && this.deletedHere(item.id.client, clock))
    if (item.content instanceof Y.ContentString) {
      const text = [...item.content.str].filter((_, i) => i >= offset && alive(item.id.clock + i)).join('')
      return text === '' ? [] : [{ value: text }]
    }
    if (!item.countable) return []
    const content = item.content.getContent() as unknown[]
    const out: Array<{ value: unknown }> = []
    for (let i = offset; i < content.length; i++) {
      if (alive(item.id.clock + i)) out.push({ value: this.toValue(content[i], item, depth, inUpdate) })
    }
    return out
  }

  // --- the description ----------------------------------------------------------------------

  describe(): UpdateChange[] {
    this.indexChildren()
    const changes: UpdateChange[] = []
    const replacedKeys = new Set<string>()
    for (const item of this.update.items()) {
      const state = this.docState(item.id.client)
      if (item.id.clock + item.length <= state) continue // already in the doc
      if (item.content instanceof Y.ContentDeleted || !item.countable) continue
      const placement = this.place(item)
      if (placement === GONE) continue
      if (!placement) {
        changes.push({ path: UNKNOWN_PATH, kind: item.parentSub === null ? 'insert' : 'set', value: this.lastValue(item, 0), unknown: true })
        continue
      }
      if ('item' in placement.parent && this.isNew(placement.parent.item)) continue // folded into the new parent's value
      if (this.containerGone(placement.parent)) continue
      if (placement.key !== null) {
        if (this.deletedHere(item.id.client, item.id.clock)) continue // overwritten within the update
        const path = this.pathOf(placement.parent, placement.key)
        const current = this.docContainer(placement.parent)?._map.get(placement.key)
        const value = this.lastValue(item, 0)
        replacedKeys.add(path)
        if (!current || current.deleted) {
          changes.push({ path, kind: 'insert', value })
          continue
        }
        const previous = itemValue(current)
        // Writing back the value the doc has (e.g. changed and restored within one batch) changes nothing.
        if (!sameValue(value, previous)) changes.push({ path, kind: 'set', value, previous })
      } else {
        const path = this.pathOf(placement.parent, null)
        for (const { value } of this.elements(item, Math.max(0, state - item.id.clock), 0)) changes.push({ path, kind: 'insert', value })
      }
    }
    for (const change of this.deletions()) {
      // A map overwrite deletes the old value: the 'set' already says so.
      if (!(change.kind === 'delete' && change.mapKey && replacedKeys.has(change.path))) changes.push(change.change)
    }
    for (const change of changes) if (change.path === UNKNOWN_PATH || !isSchemaPath(change.path)) change.unknown = true
    return changes
  }

  private *deletions(): Iterable<{ kind: 'delete'; mapKey: boolean; path: string; change: UpdateChange }> {
    for (const [client, ranges] of this.deletes.byClient) {
      const structs = this.doc.store.clients.get(client) ?? []
      const state = this.docState(client)
      for (const { clock, len } of ranges) {
        if (clock + len > state && !this.coveredByUpdate(client, Math.max(clock, state), clock + len)) {
          // Deletes of structs the doc lacks wait in Yjs until those arrive: report them, place unknown.
          yield { kind: 'delete', mapKey: false, path: UNKNOWN_PATH, change: { path: UNKNOWN_PATH, kind: 'delete', unknown: true } }
        }
        const end = Math.min(clock + len, state)
        if (clock >= end) continue
        for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
          const struct = structs[i]!
          if (struct.id.clock >= end) break
          if (!(struct instanceof Y.Item) || struct.deleted || this.ancestorDeletedHere(struct)) continue
          const placement = this.docPlacement(struct)
          if (!placement) continue
          if (placement.key !== null) {
            const path = this.pathOf(placement.parent, placement.key)
            yield { kind: 'delete', mapKey: true, path, change: { path, kind: 'delete', previous: itemValue(struct) } }
          } else {
            const path = this.pathOf(placement.parent, null)
            const from = Math.max(clock, struct.id.clock) - struct.id.clock
            const inRange = (c: number): boolean => c >= clock && c < end
            for (const { value } of this.elements(struct, from, 0, inRange)) {
              yield { kind: 'delete', mapKey: false, path, change: { path, kind: 'delete', previous: value } }
            }
          }
        }
      }
    }
  }

  /** True when the update itself holds every struct of client in [from, to). */
  private coveredByUpdate(client: number, from: number, to: number): boolean {
    for (let clock = from; clock < to; ) {
      const struct = this.update.struct(Y.createID(client, clock))
      if (!struct) return false
      clock = struct.id.clock + struct.length
    }
    return true
  }

  /** Deleting a type deletes its children too; report only the outermost deletion. */
  private ancestorDeletedHere(item: Y.Item): boolean {
    let parent = item.parent
    for (let depth = 0; parent instanceof Y.AbstractType && parent._item !== null && depth <= MAX_DEPTH; depth++) {
      const above = parent._item
      if (this.deletes.has(above.id.client, above.id.clock)) return true
      parent = above.parent
    }
    return false
  }
}

/** JSON of an integrated type, whatever class it was instantiated as (a root read before it was typed is a bare AbstractType). */
const typeJSON = (type: Y.AbstractType<unknown>): unknown => {
  if (type instanceof Y.Map || type instanceof Y.Array || type instanceof Y.Text) return type.toJSON()
  if (type._map.size > 0) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of type._map) if (!item.deleted) out[key] = itemValue(item)
    return out
  }
  const out: unknown[] = []
  for (let item = type._start; item !== null; item = item.right) {
    if (!item.deleted && item.countable) out.push(...(item.content.getContent() as unknown[]).map(plain))
  }
  return out
}

const sameValue = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === 'object' && typeof b === 'object' && !(a instanceof Uint8Array) && JSON.stringify(a) === JSON.stringify(b))

const plain = (value: unknown): unknown => (value instanceof Y.AbstractType ? typeJSON(value) : value)

const itemValue = (item: Y.Item): unknown => {
  const content = item.content.getContent() as unknown[]
  return plain(content[content.length - 1])
}

/**
 * Lists what `update` would change in `doc` if applied now; `doc` is not modified.
 * Structs the doc already has change nothing and are skipped; a map write reports the value it writes
 * even if a concurrent write with higher priority would win. Structure outside the schema is reported
 * with `unknown: true` (path `?` when its place cannot be resolved). Throws ROTA_MODEL_BAD_UPDATE when
 * the bytes are not a Yjs v1 update.
 */
export const describeUpdate = (doc: Y.Doc, update: Uint8Array): UpdateChange[] => {
  if (!(update instanceof Uint8Array)) throw new ModelError(ModelErrorCode.BadUpdate, 'an update must be a Uint8Array')
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch (err) {
    throw new ModelError(ModelErrorCode.BadUpdate, `not a Yjs update: ${(err as Error).message}`, { details: { bytes: update.length } })
  }
  try {
    return new Describer(doc, new UpdateStructs(decoded.structs), new DeleteRanges(decoded.ds)).describe()
  } catch (err) {
    // Decodable but inconsistent bytes (e.g. fuzzed input) can trip lookups; they are still a bad update.
    throw new ModelError(ModelErrorCode.BadUpdate, `inconsistent Yjs update: ${(err as Error).message}`, { details: { bytes: update.length } })
  }
}

/** The ids a decoded item names: its left and right neighbours and, unless it sits in a root type, its parent. */
export const itemRefs = (item: Y.Item): Y.ID[] => {
  const ids: Y.ID[] = []
  if (item.origin !== null) ids.push(item.origin)
  if (item.rightOrigin !== null) ids.push(item.rightOrigin)
  if (item.parent instanceof Y.ID) ids.push(item.parent)
  return ids
}

/** The struct covering `clock` in one client's structs (sorted by clock, as an update carries them). */
export const findStruct = <S extends { id: Y.ID; length: number }>(structs: readonly S[], clock: number): S | undefined => {
  let lo = 0
  let hi = structs.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const struct = structs[mid]!
    if (clock < struct.id.clock) hi = mid - 1
    else if (clock >= struct.id.clock + struct.length) lo = mid + 1
    else return struct
  }
  return undefined
}
