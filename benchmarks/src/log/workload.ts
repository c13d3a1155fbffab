/**
 * The schedule workload of the log benchmark: four schedulers editing one roster (200 shifts),
 * each edit a small Yjs update (assign a shift, move its start, note something), every client
 * seeing the others' edits, as through a server. Deterministic for a given size.
 */
import * as Y from 'yjs'
import { addShift, createEditor, editShift } from '@rota/log/testing'

const SHIFTS = 200

/** `count` updates of one document, in the order a server would log them, and the resulting document. */
export function scheduleHistory(count: number, clients = 4): { updates: Uint8Array[]; final: Y.Doc } {
  const editors = Array.from({ length: clients }, (_, i) => createEditor(1000 + i))
  const first = editors[0]!
  const updates: Uint8Array[] = []
  for (let s = 0; s < Math.min(SHIFTS, count); s++) updates.push(first.edit((d) => addShift(d, `s${s}`, s))!)
  const roster = Y.encodeStateAsUpdate(first.doc)
  for (const editor of editors.slice(1)) Y.applyUpdate(editor.doc, roster)
  // Each client sees the others' edits in small groups, as over a network, which keeps
  // generating a million updates affordable.
  let pending: Uint8Array[] = []
  for (let i = updates.length; i < count; i++) {
    const editor = editors[i % clients]!
    updates.push(editor.edit((d) => editShift(d, `s${(i * 7) % SHIFTS}`, i))!)
    pending.push(updates.at(-1)!)
    if (pending.length === 16 || i === count - 1) {
      const group = Y.mergeUpdates(pending)
      for (const other of editors) Y.applyUpdate(other.doc, group)
      pending = []
    }
  }
  return { updates, final: first.doc }
}

/**
 * The same edits by `clients` schedulers who always see each other's edits at once, produced
 * through one Y.Doc whose client id changes per edit: the same number of structs as
 * `scheduleHistory` without its concurrency, at a quarter of the time and memory. The 1M-entry
 * run uses it (four replicas of a million-struct document would take ~1.5 GB).
 */
export function sequentialHistory(count: number, clients = 4): { updates: Uint8Array[]; final: Y.Doc } {
  const editor = createEditor(1000)
  const updates: Uint8Array[] = []
  for (let s = 0; s < Math.min(SHIFTS, count); s++) updates.push(editor.edit((d) => addShift(d, `s${s}`, s))!)
  for (let i = updates.length; i < count; i++) {
    editor.doc.clientID = 1000 + (i % clients)
    updates.push(editor.edit((d) => editShift(d, `s${(i * 7) % SHIFTS}`, i))!)
  }
  editor.updates.length = 0
  return { updates, final: editor.doc }
}

export const rawBytes = (updates: Uint8Array[]): number => updates.reduce((sum, update) => sum + update.length, 0)
