import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import { addDays, randomShift, randomStaff, ROLES, SCHEDULE_START, SHIFT_TEMPLATES, shiftToYMap, staffToYMap } from './schedule.ts'
import type { ScheduleJSON, ShiftJSON, StaffJSON } from './types.ts'

/** A typical edit a scheduler makes, as data: repeatable, serialisable, appliable to any replica. */
export type Edit =
  | { kind: 'createShift'; id: string; shift: ShiftJSON }
  | { kind: 'assign'; shiftId: string; assignee: string }
  | { kind: 'unassign'; shiftId: string }
  | { kind: 'moveShift'; shiftId: string; date: string; start: string; end: string }
  | { kind: 'addStaff'; id: string; staff: StaffJSON }
  | { kind: 'addTimeOff'; staffId: string; date: string }
  | { kind: 'removeTimeOff'; staffId: string; date: string }

type EditKind = Edit['kind']

/** How often each kind of edit occurs (weights, not necessarily summing to 1). */
const EDIT_MIX: ReadonlyArray<readonly [EditKind, number]> = [
  ['assign', 35], ['unassign', 10], ['moveShift', 20], ['createShift', 20], ['addStaff', 3], ['addTimeOff', 7], ['removeTimeOff', 5],
]
const MIX_TOTAL = EDIT_MIX.reduce((sum, [, w]) => sum + w, 0)

export interface EditGenerator {
  /** The next edit; valid against the generator's own view of the schedule. */
  next(): Edit
}

export interface EditGeneratorOptions {
  seed: number
  /** Distinguishes ids created by concurrent generators (one per client). */
  tag: string
  /** Days the schedule spans; new shifts and time off fall inside. */
  days: number
}

/**
 * Edits, repeatable from the seed. The generator mirrors the schedule it started from and its own edits, so every
 * edit targets something that exists; concurrent generators (distinct tags) never create the same id.
 */
export const createEditGenerator = (base: ScheduleJSON, options: EditGeneratorOptions): EditGenerator => {
  const gen = prng.create(options.seed)
  const view: ScheduleJSON = structuredClone(base)
  const shiftIds = Object.keys(view.shifts)
  const staffIds = Object.keys(view.staff)
  let created = 0
  const pickKind = (): EditKind => {
    let r = prng.int32(gen, 0, MIX_TOTAL - 1)
    for (const [kind, weight] of EDIT_MIX) {
      if (r < weight) return kind
      r -= weight
    }
    return 'assign'
  }
  const someDate = () => addDays(SCHEDULE_START, prng.int32(gen, 0, options.days - 1))
  const make = (kind: EditKind): Edit => {
    switch (kind) {
      case 'createShift': {
        const id = `sh-${options.tag}-${++created}`
        const shift = randomShift(gen, someDate(), view.staff)
        shiftIds.push(id)
        view.shifts[id] = shift
        return { kind, id, shift: structuredClone(shift) }
      }
      case 'assign': {
        const id = prng.oneOf(gen, shiftIds)
        const assignee = prng.oneOf(gen, staffIds)
        view.shifts[id]!.assignee = assignee
        return { kind, shiftId: id, assignee }
      }
      case 'unassign': {
        const id = prng.oneOf(gen, shiftIds)
        view.shifts[id]!.assignee = null
        return { kind, shiftId: id }
      }
      case 'moveShift': {
        const id = prng.oneOf(gen, shiftIds)
        const template = prng.oneOf(gen, SHIFT_TEMPLATES)
        const edit = { kind, shiftId: id, date: someDate(), start: template.start, end: template.end } as const
        Object.assign(view.shifts[id]!, { date: edit.date, start: edit.start, end: edit.end })
        return edit
      }
      case 'addStaff': {
        const id = `st-${options.tag}-${++created}`
        const staff = randomStaff(gen, options.days)
        staff.role = prng.oneOf(gen, [...ROLES])
        staffIds.push(id)
        view.staff[id] = staff
        return { kind, id, staff: structuredClone(staff) }
      }
      case 'addTimeOff': {
        const id = prng.oneOf(gen, staffIds)
        const date = someDate()
        view.staff[id]!.unavailable.push(date)
        return { kind, staffId: id, date }
      }
      case 'removeTimeOff': {
        const withTimeOff = staffIds.filter((id) => view.staff[id]!.unavailable.length > 0)
        if (withTimeOff.length === 0) return make('addTimeOff')
        const id = prng.oneOf(gen, withTimeOff)
        const list = view.staff[id]!.unavailable
        const date = list.splice(prng.int32(gen, 0, list.length - 1), 1)[0]!
        return { kind, staffId: id, date }
      }
    }
  }
  return { next: () => make(pickKind()) }
}

/** `count` edits from a fresh generator. */
export const generateEdits = (base: ScheduleJSON, options: EditGeneratorOptions, count: number): Edit[] => {
  const generator = createEditGenerator(base, options)
  return Array.from({ length: count }, () => generator.next())
}

const shiftMap = (doc: Y.Doc, id: string): Y.Map<unknown> | undefined => doc.getMap('shifts').get(id) as Y.Map<unknown> | undefined
const staffMap = (doc: Y.Doc, id: string): Y.Map<unknown> | undefined => doc.getMap('staff').get(id) as Y.Map<unknown> | undefined

/**
 * Applies an edit to `doc` in one transaction. Every edit changes the document (so it produces exactly one update):
 * removing time off that a concurrent edit already removed adds it back instead.
 */
export const applyEdit = (doc: Y.Doc, edit: Edit, origin: unknown = null): void => {
  doc.transact(() => {
    switch (edit.kind) {
      case 'createShift':
        doc.getMap('shifts').set(edit.id, shiftToYMap(edit.shift))
        return
      case 'assign':
        shiftMap(doc, edit.shiftId)?.set('assignee', edit.assignee)
        return
      case 'unassign':
        shiftMap(doc, edit.shiftId)?.set('assignee', null)
        return
      case 'moveShift': {
        const shift = shiftMap(doc, edit.shiftId)
        shift?.set('date', edit.date)
        shift?.set('start', edit.start)
        shift?.set('end', edit.end)
        return
      }
      case 'addStaff':
        doc.getMap('staff').set(edit.id, staffToYMap(edit.staff))
        return
      case 'addTimeOff':
      case 'removeTimeOff': {
        const list = staffMap(doc, edit.staffId)?.get('unavailable') as Y.Array<string> | undefined
        if (list === undefined) return
        const index = edit.kind === 'removeTimeOff' ? list.toArray().indexOf(edit.date) : -1
        if (index >= 0) list.delete(index, 1)
        else list.push([edit.date])
      }
    }
  }, origin)
}

/** One RFC 6902 JSON Patch operation. */
export interface JsonPatchOp { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }

/** The edit as an RFC 6902 JSON Patch (what a JSON-document sync would send instead of a Yjs update). */
export const editToJsonPatch = (edit: Edit): JsonPatchOp[] => {
  switch (edit.kind) {
    case 'createShift': return [{ op: 'add', path: `/shifts/${edit.id}`, value: edit.shift }]
    case 'assign': return [{ op: 'replace', path: `/shifts/${edit.shiftId}/assignee`, value: edit.assignee }]
    case 'unassign': return [{ op: 'replace', path: `/shifts/${edit.shiftId}/assignee`, value: null }]
    case 'moveShift': return [
      { op: 'replace', path: `/shifts/${edit.shiftId}/date`, value: edit.date },
      { op: 'replace', path: `/shifts/${edit.shiftId}/start`, value: edit.start },
      { op: 'replace', path: `/shifts/${edit.shiftId}/end`, value: edit.end },
    ]
    case 'addStaff': return [{ op: 'add', path: `/staff/${edit.id}`, value: edit.staff }]
    case 'addTimeOff': return [{ op: 'add', path: `/staff/${edit.staffId}/unavailable/-`, value: edit.date }]
    // A patch addresses array items by index; the date stands in for it and has the same order of size.
    case 'removeTimeOff': return [{ op: 'remove', path: `/staff/${edit.staffId}/unavailable/${edit.date}` }]
  }
}
