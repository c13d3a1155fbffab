import * as Y from 'yjs'
import type { EntryMeta } from './types.ts'

/** The encoded state of an empty document. */
export const EMPTY_STATE: Uint8Array = Y.encodeStateAsUpdate(new Y.Doc())

/** Merges a base state and the updates after it into one update, ready for a single `applyUpdate`. */
export function mergeState(updates: Uint8Array[]): Uint8Array {
  if (updates.length === 0) return EMPTY_STATE.slice()
  if (updates.length === 1) return updates[0]!
  return Y.mergeUpdates(updates)
}

/** The meta as stored: a copy, receivedAt kept non-decreasing after `previousTime`. */
export function storedMeta(meta: EntryMeta, previousTime: number): EntryMeta {
  const stored: EntryMeta = {
    actor: meta.actor,
    role: meta.role,
    origin: meta.origin,
    clientIds: [...meta.clientIds],
    receivedAt: Math.max(meta.receivedAt, previousTime),
  }
  if (meta.clientTime !== undefined) stored.clientTime = meta.clientTime
  if (meta.details !== undefined) stored.details = structuredClone(meta.details)
  return stored
}
