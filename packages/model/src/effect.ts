/**
 * What a transaction did to a document, read from the document itself while the transaction is open.
 *
 * Inside `doc.transact`, after `Y.applyUpdate`, Yjs has integrated every struct and marked what it
 * deleted, but has not yet collected deleted content (that happens in the transaction's cleanup). Both
 * states are still readable: an item is visible *before* when it existed before the transaction and was
 * not deleted, or was deleted by this very transaction; visible *after* when it is not deleted. So the
 * effect of any update, crafted or not — a map item of deleted or format content placed after a key's
 * value, a deletion, a shadowed key — is read as Yjs really integrated it, not guessed from the bytes.
 *
 * `readEffect` lists the changed paths; `revertEffect` puts chosen paths back to their value before the
 * transaction, still inside it (the server uses it to take a refused change out of an update without
 * refusing the structs, so the editor's later edits still have everything they build on).
 */
import * as Y from 'yjs'
import type { UpdateChange } from './describe.ts'
import { isSchemaPath } from './paths.ts'

type Mode = 'before' | 'after'
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types differ in their event type only
type AnyType = Y.AbstractType<any>

/** The deletions of one transaction, per client sorted, for lookups while it is still open (Yjs sorts them only in cleanup). */
class TransactionDeletes {
  private readonly byClient = new Map<number, Array<{ clock: number; len: number }>>()

  constructor(tr: Y.Transaction) {
    const clients = (tr.deleteSet as unknown as { clients: Map<number, Array<{ clock: number; len: number }>> }).clients
    for (const [client, ranges] of clients) this.byClient.set(client, [...ranges].sort((a, b) => a.clock - b.clock))
  }

  has(id: Y.ID): boolean {
    const ranges = this.byClient.get(id.client)
    if (ranges === undefined) return false
    let lo = 0
    let hi = ranges.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const range = ranges[mid]!
      if (id.clock < range.clock) hi = mid - 1
      else if (id.clock >= range.clock + range.len) lo = mid + 1
      else return true
    }
    return false
  }
}

/** Reads a document as it was before an open transaction (`mode: 'before'`) or as it is now. */
export class StateReader {
  private readonly deletes: TransactionDeletes | undefined
  private rootNames: Map<AnyType, string> | undefined

  constructor(
    readonly doc: Y.Doc,
    private readonly tr?: Y.Transaction,
  ) {
    this.deletes = tr === undefined ? undefined : new TransactionDeletes(tr)
  }

  created(item: Y.Item): boolean {
    return this.tr !== undefined && item.id.clock >= (this.tr.beforeState.get(item.id.client) ?? 0)
  }

  deletedHere(item: Y.Item): boolean {
    return item.deleted && this.deletes !== undefined && this.deletes.has(item.id)
  }

  visible(item: Y.Item, mode: Mode): boolean {
    if (mode === 'after' || this.tr === undefined) return !item.deleted
    return !this.created(item) && (!item.deleted || this.deletedHere(item))
  }

  /** The item holding a map key's value in `mode`, if the key had one. */
  keyItem(type: AnyType, key: string, mode: Mode): Y.Item | undefined {
    let item: Y.Item | null = type._map.get(key) ?? null
    // Only the rightmost item of a key can be visible; before, that is the rightmost one not created here.
    if (mode === 'before') while (item !== null && this.created(item)) item = item.left
    return item !== null && this.visible(item, mode) ? item : undefined
  }

  /** The JSON of a value as it reads in `mode` (a shared type's children by their own visibility). */
  json(value: unknown, mode: Mode, depth = 0): unknown {
    if (!(value instanceof Y.AbstractType) || depth > 64) return value
    const type = value as AnyType
    if (type._map.size > 0 || type instanceof Y.Map) {
      const out: Record<string, unknown> = {}
      for (const key of type._map.keys()) {
        const item = this.keyItem(type, key, mode)
        if (item !== undefined) out[key] = this.json(lastContent(item), mode, depth + 1)
      }
      return out
    }
    const out: unknown[] = []
    for (let item = type._start; item !== null; item = item.right) {
      if (item.countable && this.visible(item, mode)) for (const element of item.content.getContent()) out.push(this.json(element, mode, depth + 1))
    }
    return out
  }

  /** The value at a dotted path (`shifts.s1.assignee`) in `mode`; undefined when nothing is there. */
  get(path: string, mode: Mode = 'before'): unknown {
    const [root, ...keys] = path.split('.')
    let type = this.doc.share.get(root ?? '') as AnyType | undefined
    for (const [i, key] of keys.entries()) {
      if (type === undefined) return undefined
      const item = this.keyItem(type, key, mode)
      if (item === undefined) return undefined
      const value = lastContent(item)
      if (i === keys.length - 1) return this.json(value, mode)
      type = value instanceof Y.AbstractType ? (value as AnyType) : undefined
    }
    return type === undefined ? undefined : this.json(type, mode)
  }

  /** Dotted path segments of a type, or null when it is not reachable by map keys from a root. */
  segments(type: AnyType): string[] | null {
    const out: string[] = []
    let current = type
    while (current._item !== null) {
      const item = current._item
      if (item.parentSub === null || !(item.parent instanceof Y.AbstractType)) return null
      out.unshift(item.parentSub)
      current = item.parent as AnyType
    }
    this.rootNames ??= new Map([...this.doc.share].map(([name, t]) => [t as AnyType, name]))
    const root = this.rootNames.get(current)
    if (root === undefined) return null
    out.unshift(root)
    return out
  }

  /** A type whose own item, or an ancestor's, is deleted now: its changes are folded into that deletion. */
  goneAfter(type: AnyType): boolean {
    for (let item = type._item; item !== null; item = (item.parent as AnyType)._item) {
      if (item.deleted) return true
    }
    return false
  }
}

const lastContent = (item: Y.Item): unknown => {
  const content = item.content.getContent() as unknown[]
  return content[content.length - 1]
}

const sameJSON = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b)

/** One changed place, with what `revertEffect` needs to put it back. */
interface Place {
  type: AnyType
  /** The map key, or null for a sequence (Y.Array). */
  key: string | null
}

export interface Effect {
  /** Every path whose value the transaction changed, as `describeUpdate` reports them. */
  changes: UpdateChange[]
  /**
   * Every value the transaction wrote to a map key, in the order the key holds them, also where a later
   * write of the same transaction replaced it (an offline session's intermediate states: picked up, noted,
   * released again). Keyed by dotted path; a write whose content its author's Yjs already collected (it
   * replaced it before sending) reads as undefined.
   */
  readonly writes: ReadonlyMap<string, unknown[]>
  /** For each change, the place it happened (same order). */
  readonly places: readonly Place[]
  readonly reader: StateReader
}

/** A value written where a staff or shift record belongs that is not a record map: structure the schema does not have. */
const notARecord = (segments: string[] | null, item: Y.Item): boolean =>
  segments !== null && segments.length === 1 && (segments[0] === 'staff' || segments[0] === 'shifts') &&
  !(item.content instanceof Y.ContentType && item.content.type instanceof Y.Map)

const foreignContent = (item: Y.Item): boolean =>
  !(item.content instanceof Y.ContentAny || item.content instanceof Y.ContentType || item.content instanceof Y.ContentDeleted)

/**
 * The changes of the open transaction `tr` on `doc`, by effect: map keys whose visible value differs
 * before and after, list elements inserted or deleted. A change inside a record created or deleted by
 * the same transaction is part of that record's change. Changes outside the schema, or values of a
 * content type the schedule does not use, carry `unknown: true`.
 */
export const readEffect = (doc: Y.Doc, tr: Y.Transaction): Effect => {
  const reader = new StateReader(doc, tr)
  const changes: UpdateChange[] = []
  const places: Place[] = []
  const writes = new Map<string, unknown[]>()
  const add = (change: UpdateChange, place: Place): void => {
    if (change.path === '?' || !isSchemaPath(change.path)) change.unknown = true
    changes.push(change)
    places.push(place)
  }
  for (const [type, keys] of tr.changed) {
    if (reader.goneAfter(type)) continue
    const segments = reader.segments(type)
    const base = segments === null ? '?' : segments.join('.')
    for (const key of keys) {
      if (key !== null) {
        if (segments !== null) {
          const written: unknown[] = []
          for (let item = type._map.get(key) ?? null; item !== null; item = item.left) {
            // A write its author replaced before sending arrives as deleted content: its value is gone (undefined).
            if (reader.created(item)) written.unshift(item.content instanceof Y.ContentAny ? lastContent(item) : undefined)
          }
          if (written.length > 0) writes.set(`${base}.${key}`, written)
        }
        const before = reader.keyItem(type, key, 'before')
        const after = reader.keyItem(type, key, 'after')
        const previous = before && reader.json(lastContent(before), 'before')
        const value = after && reader.json(lastContent(after), 'after')
        if (before === after || (before !== undefined && after !== undefined && sameJSON(previous, value) && !foreignContent(after))) continue
        const path = segments === null ? '?' : `${base}.${key}`
        const change: UpdateChange =
          before === undefined ? { path, kind: 'insert', value } : after === undefined ? { path, kind: 'delete', previous } : { path, kind: 'set', value, previous }
        if (after !== undefined && (foreignContent(after) || notARecord(segments, after))) change.unknown = true
        add(change, { type, key })
        continue
      }
      for (let item = type._start; item !== null; item = item.right) {
        if (!item.countable && !(item.content instanceof Y.ContentDeleted)) {
          if (reader.created(item)) add({ path: base, kind: 'insert', unknown: true }, { type, key: null })
          continue
        }
        if (reader.created(item) && !item.deleted) {
          for (const element of item.content.getContent()) add({ path: base, kind: 'insert', value: reader.json(element, 'after') }, { type, key: null })
        } else if (reader.deletedHere(item) && !reader.created(item)) {
          for (const element of item.content.getContent()) add({ path: base, kind: 'delete', previous: reader.json(element, 'before') }, { type, key: null })
        }
      }
    }
  }
  return { changes, places, writes, reader }
}

/** New content equal to what `item` held before the transaction (shared types rebuilt from their visible children). */
const cloneBefore = (reader: StateReader, value: unknown, depth = 0): unknown => {
  if (!(value instanceof Y.AbstractType) || depth > 64) return value
  const type = value as AnyType
  if (type instanceof Y.Array) {
    const elements: unknown[] = []
    for (let item = type._start; item !== null; item = item.right) {
      if (item.countable && reader.visible(item, 'before')) for (const e of item.content.getContent()) elements.push(cloneBefore(reader, e, depth + 1))
    }
    return Y.Array.from(elements as never[])
  }
  const map = new Y.Map<unknown>()
  for (const key of type._map.keys()) {
    const item = reader.keyItem(type, key, 'before')
    if (item !== undefined) map.set(key, cloneBefore(reader, lastContent(item), depth + 1))
  }
  return map
}

/**
 * The type as the class its writes need: a root read before anyone typed it is a bare AbstractType, and
 * `doc.getMap`/`getArray` turn it into a Y.Map/Y.Array in place (children are re-pointed to it).
 */
const typed = <T extends AnyType>(reader: StateReader, type: AnyType, Kind: typeof Y.Map | typeof Y.Array): T => {
  if (type instanceof Kind || type._item !== null) return type as T
  const name = reader.segments(type)?.[0]
  if (name === undefined) return type as T
  return (Kind === Y.Map ? reader.doc.getMap(name) : reader.doc.getArray(name)) as unknown as T
}

const restoreKey = (reader: StateReader, { type, key }: Place & { key: string }): void => {
  const before = reader.keyItem(type, key, 'before')
  const map = typed<Y.Map<unknown>>(reader, type, Y.Map)
  if (before === undefined) map.delete(key)
  else map.set(key, cloneBefore(reader, lastContent(before)))
}

/** Deletes the elements the transaction inserted and inserts copies of those it deleted, in place. */
const restoreSequence = (reader: StateReader, type: AnyType): void => {
  const array = typed<Y.Array<unknown>>(reader, type, Y.Array)
  const items: Y.Item[] = []
  for (let item = type._start; item !== null; item = item.right) items.push(item)
  let index = 0
  for (const item of items) {
    if (!item.countable) continue
    if (reader.created(item) && !item.deleted) {
      array.delete(index, item.length)
    } else if (reader.deletedHere(item) && !reader.created(item)) {
      const copies = item.content.getContent().map((e) => cloneBefore(reader, e))
      array.insert(index, copies)
      index += copies.length
    } else if (!item.deleted) {
      index += item.length
    }
  }
}

/**
 * Puts the places of the chosen changes back to their value before the transaction, as new writes in
 * the same (still open) transaction. A place is restored once, however many of its changes were chosen.
 */
export const revertEffect = (effect: Effect, chosen: ReadonlyArray<number>): void => {
  const done = new Set<string>()
  for (const index of chosen) {
    const place = effect.places[index]
    if (place === undefined) continue
    const id = place.type._item === null ? `root:${effect.changes[index]!.path}` : `${place.type._item.id.client}:${place.type._item.id.clock}`
    const slot = `${id}|${place.key ?? ''}`
    if (done.has(slot)) continue
    done.add(slot)
    if (place.key === null) restoreSequence(effect.reader, place.type)
    else restoreKey(effect.reader, place as Place & { key: string })
  }
}
