/**
 * The author's view of a sync reply: the state its client had when it made the edits it brings.
 *
 * A client reconnecting after working offline declares its state vector in sync step 1 and then sends
 * what the server lacks (sync step 2). Those edits were made on the state the client had synced, not on
 * whatever the server holds by now, and are judged there ([V1] in packages/resolver/SPEC.md). That state
 * is a causal cut of the log: the entries whose structs the declared vector covers (delete-only entries:
 * those whose deletions the reply's own delete set repeats, as a reply carries its client's whole delete
 * set). A genuine client's cut is a prefix of the log plus, at most, its own later entries, so the view is
 * built as the state at the prefix's last seq (the log hands it out from a checkpoint) plus those entries.
 * The same cut (`seq` and `also`) is stored with the entry (`details.view`) for the resolver, which
 * judges concurrency by it: one definition of what an author saw.
 *
 * Bounds (docs/security.md, "The author's view"): a declared vector beyond the server's that the reply's
 * own structs do not explain is a forgery and refused; a view from before the document's last restore,
 * further back than `maxViewEntries` entries or older than `maxViewAgeMs` is not rebuilt — the update is
 * judged on the current state, as a live one is. A rebuilt view that is not a consistent cut of the log
 * (pending structs, clocks the client never declared) is not used either.
 */
import * as Y from 'yjs'
import { applyStateParts, stateParts, type LogEntry, type UpdateLog } from '@rota/log'

export interface ViewLimits {
  /** How many of the newest entries a view may reach back over. */
  maxViewEntries: number
  /** How old (by the server's receive time) the newest entry outside the view may be, in ms. */
  maxViewAgeMs: number
}

const defaultViewLimits: ViewLimits = { maxViewEntries: 10_000, maxViewAgeMs: 30 * 24 * 3600 * 1000 }

export type AuthorView =
  /** The client had everything the server had: its view is the room's current state. */
  | { kind: 'current'; why: string }
  /** A state the document had: `seq` and the later entries the client also had (`also`); `doc` when built. */
  | { kind: 'past'; doc?: Y.Doc; seq: number; also: number[] }
  | { kind: 'forged'; reason: string }

type Ranges = Map<number, Array<{ clock: number; len: number }>>

const deleteRanges = (update: Uint8Array): Ranges =>
  (Y.decodeUpdate(update).ds as unknown as { clients: Ranges }).clients

const rangesCover = (outer: Ranges, inner: Ranges): boolean =>
  [...inner].every(([client, ranges]) =>
    ranges.every(({ clock, len }) => (outer.get(client) ?? []).some((o) => o.clock <= clock && o.clock + o.len >= clock + len)),
  )

/** The clients an entry carries structs of, with the clock each reaches. */
const structClocks = (update: Uint8Array): Array<[number, number]> => {
  const meta = Y.parseUpdateMeta(update)
  return [...meta.to].filter(([client, to]) => to > (meta.from.get(client) ?? 0))
}

const covered = (update: Uint8Array, declared: Map<number, number>, replyDeletes: Ranges): boolean => {
  const clocks = structClocks(update)
  if (clocks.length > 0) return clocks.every(([client, to]) => (declared.get(client) ?? 0) >= to)
  return rangesCover(replyDeletes, deleteRanges(update))
}

const current = (why: string): AuthorView => ({ kind: 'current', why })

/**
 * The view of `reply` (a sync step 2) whose connection declared `declared`, against the room at `head`
 * with state vector `roomState`. Reads the log backwards from the head only as far as the cut reaches.
 */
export const authorView = async (
  log: UpdateLog,
  docName: string,
  head: number,
  roomState: Map<number, number>,
  declared: Map<number, number>,
  reply: Uint8Array,
  limits: ViewLimits = defaultViewLimits,
  build = true,
  now = Date.now(),
): Promise<AuthorView> => {
  const brings = Y.parseUpdateMeta(reply).to
  for (const [client, clock] of declared) {
    if (clock > (roomState.get(client) ?? 0) && clock > (brings.get(client) ?? 0)) {
      return { kind: 'forged', reason: `the declared state names ${client}:${clock}, which neither the server nor the update has` }
    }
  }
  // No shortcut when the declared state covers every struct: a delete-only entry (a removal) carries no
  // struct, so only the log tells whether the client had it; the scan below reads back only to the first
  // entry of another author the client had, which for a client that had everything is the head.
  const own = new Set(structClocks(reply).map(([client]) => client))
  const replyDeletes = deleteRanges(reply)
  let prefix = head
  const also: LogEntry[] = []
  let scanned = 0
  for await (const entry of log.read(docName, { toSeq: head, reverse: true })) {
    if (++scanned > limits.maxViewEntries) return current('the view reaches back too far')
    if (entry.meta.origin === 'restore') return current('the view predates a restore')
    if (!covered(entry.update, declared, replyDeletes)) {
      if (now - entry.meta.receivedAt > limits.maxViewAgeMs) return current('the view is too old')
      prefix = entry.seq - 1
      continue
    }
    const clocks = structClocks(entry.update)
    // Another author's entry the client had: it had synced up to here, so it had everything before too.
    // Likewise any entry with structs it had, while nothing after it was missing: it had the whole log.
    if (clocks.length > 0 && (prefix === head || clocks.every(([client]) => !own.has(client)))) break
    also.push(entry)
  }
  if (prefix >= head) return current('the client had every entry')
  const later = also.filter((entry) => entry.seq > prefix).reverse()
  if (!build) return { kind: 'past', seq: prefix, also: later.map((entry) => entry.seq) }
  const doc = new Y.Doc()
  if (prefix > 0) applyStateParts(doc, await stateParts(log, docName, { seq: prefix }))
  for (const entry of later) Y.applyUpdate(doc, entry.update)
  const viewState = Y.decodeStateVector(Y.encodeStateVector(doc))
  const consistent =
    doc.store.pendingStructs === null && doc.store.pendingDs === null && [...viewState].every(([client, clock]) => (declared.get(client) ?? 0) >= clock)
  if (!consistent) {
    doc.destroy()
    return current('the declared state is not a cut of the log')
  }
  return { kind: 'past', doc, seq: prefix, also: later.map((entry) => entry.seq) }
}
