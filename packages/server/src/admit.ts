/**
 * Admission: what of an editor's update the server keeps. The update is judged by its effect — applied
 * in a transaction, its changes read from the document as Yjs integrated them (`readEffect`) — and on
 * the state its author made it on (the author's view, see view.ts; for a live update, the room's state).
 *
 * A refused change is *taken out*, not refused with its structs: still inside the room's transaction the
 * server writes the refused places back to their value before it (`revertEffect`), and stores and relays
 * that transaction's update (the editor's structs, the refused ones as tombstones, and the server's
 * restoring writes) as one entry. Nothing that was refused is ever visible, and the editor's client still
 * has every struct its later edits build on, so nothing it does afterwards is stranded — a stock
 * y-websocket client included. REST callers (`strict`) are judged on a copy instead and refused whole.
 */
import * as Y from 'yjs'
import { readEffect, revertEffect, type Effect } from '@rota/model'
import type { DeniedChange } from '@rota/protocol'
import type { Identity, ServerHooks } from './types.ts'

/** One path is the other, or lies inside it (`?`, an unplaceable change, overlaps everything). */
const pathsOverlap = (a: string, b: string): boolean =>
  a === b || a === '?' || b === '?' || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)

/** Who judges what: nobody judges trusted server code (no identity) or admins, who may change anything. */
export const needsJudging = (identity: Identity | undefined): identity is Identity => identity !== undefined && identity.role !== 'admin'

/** The refused changes of an effect, as the hooks decide them (a change without a decision is refused). */
const refusedChanges = (hooks: ServerHooks, identity: Identity, effect: Effect, doc?: string): DeniedChange[] => {
  if (effect.changes.length === 0) return []
  const facts = { get: (path: string) => effect.reader.get(path), written: (path: string) => effect.writes.get(path) ?? [] }
  const decisions = hooks.authorizeChanges(identity, facts, effect.changes, doc)
  return effect.changes.flatMap((change, i): DeniedChange[] => {
    const decision = decisions[i] ?? { ok: false as const, reason: 'no decision for this change' }
    if (decision.ok) return []
    return [{ path: change.path, kind: change.kind, value: change.value, previous: change.previous, reason: decision.reason }]
  })
}

/**
 * Judges `update` on `view` (a private copy of the state its author made it on; it is changed). Returns
 * the refused changes, or `pending` when the update does not integrate into that state — it was not
 * made on it.
 */
export const judgeOnView = (hooks: ServerHooks, identity: Identity, view: Y.Doc, update: Uint8Array, doc?: string): DeniedChange[] | 'pending' => {
  let refused: DeniedChange[] = []
  view.transact((tr) => {
    Y.applyUpdate(view, update)
    refused = refusedChanges(hooks, identity, readEffect(view, tr), doc)
  })
  return view.store.pendingStructs !== null || view.store.pendingDs !== null ? 'pending' : refused
}

/** A private copy of a document's current state, to judge an update on without touching the room. */
export const copyOf = (doc: Y.Doc): Y.Doc => {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}

/**
 * Runs inside the room's transaction, right after the update was applied: judges it (unless `refused`
 * is already known from the author's view) and writes the refused places back. Returns what was refused.
 */
export const takeOutRefused = (
  hooks: ServerHooks,
  identity: Identity,
  doc: Y.Doc,
  tr: Y.Transaction,
  known: DeniedChange[] | undefined,
  docName?: string,
): DeniedChange[] => {
  const effect = readEffect(doc, tr)
  const refused = known ?? refusedChanges(hooks, identity, effect, docName)
  if (refused.length === 0) return refused
  const chosen = effect.changes.flatMap((change, i) => (refused.some((r) => pathsOverlap(r.path, change.path)) ? [i] : []))
  revertEffect(effect, chosen)
  return refused
}

/** Entry details are small (the log allows 4 KiB of JSON): paths and reasons of at most this many refusals. */
const maxRecordedRefusals = 16

export const refusalDetails = (refused: DeniedChange[]): Array<{ path: string; reason: string }> =>
  refused.slice(0, maxRecordedRefusals).map(({ path, reason }) => ({ path, reason: reason.slice(0, 120) }))
