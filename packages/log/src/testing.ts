/**
 * Helpers for tests and benchmarks: schedule-like Yjs updates and entry meta.
 * Exported from `@rota/log/testing`; not used at run time.
 */
import * as Y from 'yjs'
import type { EntryMeta, Origin } from './types.ts'

export const SHIFT_ROLES = ['nurse', 'doctor', 'porter', 'cleaner'] as const
export const STAFF = ['ana', 'ben', 'chloe', 'dev', 'eva', 'farid', 'gita', 'hugo'] as const

/** A Y.Doc that records every update it produces, like a client would send them. */
export interface Editor {
  doc: Y.Doc
  updates: Uint8Array[]
  /** Runs `fn` in one transaction and returns the update it produced (undefined if nothing changed). */
  edit(fn: (doc: Y.Doc) => void): Uint8Array | undefined
}

export function createEditor(clientID: number): Editor {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const updates: Uint8Array[] = []
  let last: Uint8Array | undefined
  doc.on('update', (update: Uint8Array) => {
    updates.push(update)
    last = update
  })
  return {
    doc,
    updates,
    edit(fn) {
      last = undefined
      doc.transact(() => fn(doc))
      return last
    },
  }
}

/** Creates shift `id` on the editor's document (a Y.Map of the shift fields). */
export function addShift(doc: Y.Doc, id: string, day: number): void {
  const shift = new Y.Map<unknown>()
  doc.getMap('shifts').set(id, shift)
  shift.set('date', `2026-11-${String(1 + (day % 28)).padStart(2, '0')}`)
  shift.set('start', '07:00')
  shift.set('end', '15:00')
  shift.set('role', SHIFT_ROLES[day % SHIFT_ROLES.length])
  shift.set('requiredSkill', null)
  shift.set('assignee', null)
  shift.set('notes', '')
}

/** One small edit of the kind schedulers make all day: (re)assign a shift, move it, or note something. */
export function editShift(doc: Y.Doc, id: string, n: number): void {
  const shift = doc.getMap('shifts').get(id)
  if (!(shift instanceof Y.Map)) return
  switch (n % 4) {
    case 0:
    case 1:
      shift.set('assignee', STAFF[n % STAFF.length])
      break
    case 2:
      shift.set('start', `${String(6 + (n % 4)).padStart(2, '0')}:00`)
      break
    default:
      shift.set('notes', `swap ok ${n % 100}`)
  }
}

export function metaFor(actor: string, clientIds: number[], receivedAt: number, origin: Origin = 'ws'): EntryMeta {
  return { actor, role: 'manager', origin, clientIds, receivedAt }
}

/** The document's content, for comparing states. */
export function contentOf(doc: Y.Doc): unknown {
  return { shifts: doc.getMap('shifts').toJSON(), staff: doc.getMap('staff').toJSON() }
}

export function docFromState(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, state)
  return doc
}

/** Everything an async iterable yields (a log's `read` or `listDocs`), as an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}
