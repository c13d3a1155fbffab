import * as Y from 'yjs'
import type { EntryMeta, StatePart, UpdateLog, VersionRef } from './types.ts'

/** The encoded state of an empty document. */
export const EMPTY_STATE: Uint8Array = Y.encodeStateAsUpdate(new Y.Doc())

/** How many updates one Y.mergeUpdates call takes at most (see mergeState). */
const FAN_IN = 16

/**
 * Merges updates (oldest first) into one, ready for a single `applyUpdate`. Y.mergeUpdates slows
 * down sharply with the number of inputs (it re-sorts its decoders for every struct it writes),
 * so long lists are merged as a tree of small groups: linear-logarithmic instead of quadratic.
 */
export function mergeUpdatesTree(updates: Uint8Array[]): Uint8Array {
  if (updates.length === 0) return EMPTY_STATE.slice()
  let level = updates
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += FAN_IN) {
      const group = level.slice(i, i + FAN_IN)
      next.push(group.length === 1 ? group[0]! : Y.mergeUpdates(group))
    }
    level = next
  }
  return level[0]!
}

/**
 * A base state (a checkpoint, or nothing) and the updates after it, as one update. The tail is
 * merged on its own first, so the (large) base is parsed once.
 */
export function mergeState(updates: Uint8Array[], base?: Uint8Array): Uint8Array {
  if (base === undefined) return mergeUpdatesTree(updates)
  if (updates.length === 0) return base
  return Y.mergeUpdates([base, mergeUpdatesTree(updates)])
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

/** A document's state at its head or at `at`, in the form cheapest to apply (see `UpdateLog.stateParts`). */
export async function stateParts(log: UpdateLog, doc: string, at?: VersionRef): Promise<StatePart[]> {
  if (log.stateParts !== undefined) return log.stateParts(doc, at)
  return [{ update: await log.stateAt(doc, at), encoding: 'v1' }]
}

/** Applies state parts to `ydoc` in one transaction (one update event per part, one observer pass). */
export function applyStateParts(ydoc: Y.Doc, parts: readonly StatePart[], origin?: unknown): void {
  ydoc.transact(() => {
    for (const { update, encoding } of parts) {
      if (encoding === 'v2') Y.applyUpdateV2(ydoc, update, origin)
      else Y.applyUpdate(ydoc, update, origin)
    }
  }, origin)
}
