/**
 * Reads schedule records out of the resolver's copy of a document (gc: false, so every value ever written
 * is still there) as a given state holds them: the current state, or an author's view, a set of log
 * entries (causality.ts tells which entry wrote and deleted each clock). Reading one record costs a walk
 * of its fields' Yjs items, so an author's view is read where a rule needs it, never rebuilt whole.
 *
 * Values are normalised exactly as @rota/model's lenient `toJSON` normalises them (its readField and
 * isValidScalar): a record whose fields have not all arrived, or a foreign writer's value, reads as the
 * defaults, without an exception.
 */
import * as Y from 'yjs'
import {
  SETTINGS_FIELDS, SHIFT_FIELDS, STAFF_FIELDS, isId, isValidScalar, readField,
  type FieldSpec, type ScheduleJSON, type SettingsJSON, type ShiftJSON, type StaffJSON,
} from '@rota/model'
import type { Causality, InView } from './causality.ts'
import type { AnyType } from './touched.ts'

export type Collection = 'staff' | 'shifts'

const fieldsOf = (collection: Collection): Readonly<Record<string, FieldSpec>> => (collection === 'staff' ? STAFF_FIELDS : SHIFT_FIELDS)

export class StateReader {
  /** `inView` null: the current state (what is not deleted); otherwise the state holding exactly those entries. */
  constructor(
    private readonly doc: Y.Doc,
    private readonly causality: Causality,
    readonly inView: InView | null,
  ) {}

  private holds(client: number, clock: number): boolean {
    return this.inView === null || this.causality.holds(client, clock, this.inView)
  }

  private deleted(item: Y.Item, clock: number): boolean {
    return this.inView === null ? item.deleted : this.causality.deletedIn(item.id.client, clock, this.inView)
  }

  /** A map key's value in this state: the rightmost item the state holds, unless the state deleted it. */
  private value(type: AnyType, key: string): unknown {
    // Yjs merges consecutive items of one client once deleted, so each clock of an item is looked at.
    for (let item: Y.Item | null = type._map.get(key) ?? null; item !== null; item = item.left) {
      for (let k = item.length - 1; k >= 0; k--) {
        if (!this.holds(item.id.client, item.id.clock + k)) continue
        if (this.deleted(item, item.id.clock + k)) return undefined
        return item.content instanceof Y.ContentType ? item.content.type : item.content.getContent()[k]
      }
    }
    return undefined
  }

  private elements(array: AnyType): unknown[] {
    const out: unknown[] = []
    for (let item = array._start; item !== null; item = item.right) {
      if (!item.countable) continue
      const content = item.content.getContent()
      for (let k = 0; k < item.length; k++) {
        if (this.holds(item.id.client, item.id.clock + k) && !this.deleted(item, item.id.clock + k)) out.push(content[k])
      }
    }
    return out
  }

  private fields<T>(map: AnyType, fields: Readonly<Record<string, FieldSpec>>): T {
    const out: Record<string, unknown> = {}
    for (const [name, spec] of Object.entries(fields)) {
      const raw = this.value(map, name)
      out[name] = spec.list
        ? raw instanceof Y.Array ? this.elements(raw).filter((x) => isValidScalar(spec.kind, x)) : []
        : readField(spec, raw)
    }
    return out as T
  }

  /** A staff or shift record, or undefined when it does not exist in this state (or is not a record map). */
  record(collection: 'staff', id: string): StaffJSON | undefined
  record(collection: 'shifts', id: string): ShiftJSON | undefined
  record(collection: Collection, id: string): StaffJSON | ShiftJSON | undefined
  record(collection: Collection, id: string): StaffJSON | ShiftJSON | undefined {
    if (!isId(id)) return undefined
    const map = this.value(this.doc.getMap(collection), id)
    return map instanceof Y.Map ? this.fields(map, fieldsOf(collection)) : undefined
  }

  settings(): SettingsJSON {
    return this.fields<SettingsJSON>(this.doc.getMap('settings'), SETTINGS_FIELDS)
  }

  /** The whole schedule in this state, records sorted by id (as toJSON sorts them). */
  schedule(): ScheduleJSON {
    const all = <T>(collection: Collection): Record<string, T> => {
      const ids = [...this.doc.getMap(collection)._map.keys()].sort()
      const out: Record<string, T> = {}
      for (const id of ids) {
        const rec = this.record(collection, id)
        if (rec !== undefined) out[id] = rec as T
      }
      return out
    }
    return { staff: all<StaffJSON>('staff'), shifts: all<ShiftJSON>('shifts'), settings: this.settings() }
  }
}
