import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { applyStateParts, type StatePart } from '@rota/log'
import { isRotaMessage, mergeClocks, type DurableClocks } from '@rota/protocol'
import { awarenessMessage } from './messages.ts'
import type { DocName } from './docName.ts'

/** The owner `authors` names for the server's own Yjs client ids (REST changes, earlier builds of a hibernated document). */
export const serverAuthor = '(the server)'

/** What a room needs from a connection. */
export interface RoomMember {
  send(message: Uint8Array): void
  close(code: number, reason: string): void
  /** Awareness client ids this member controls, removed when it leaves. */
  readonly awarenessClients: Set<number>
  /**
   * It asked for Rota's message types (≥ 100) by opening with `ack=1` (the Rota provider, the web app). A stock
   * y-websocket client has no handler for them and logs "Unable to compute message" for each, so it gets none.
   */
  readonly speaksRota: boolean
}

/**
 * One open document: its Y.Doc, awareness, members, and the clocks the log holds durably.
 * Created only once the document is loaded, so a member never sees it empty.
 *
 * A room whose document nobody used for a while hibernates (`hibernate`): it keeps the document's encoded
 * state (Yjs v2, a fraction of a Y.Doc's memory), its awareness and members, and drops the Y.Doc. Joining
 * clients are answered from the encoded state (`stateVector`, `diff`); the next use of `ydoc` (an update, a
 * REST read, an extension) builds it again.
 */
export class Room {
  readonly name: DocName
  private doc: Y.Doc | null = null
  /** The document's whole state while it hibernates (Yjs v2), else null. */
  private sleeping: Uint8Array | null = null
  /** Set by every use of `ydoc`; the hibernation sweep clears it (a room untouched between two sweeps hibernates). */
  used = true
  readonly awareness: awarenessProtocol.Awareness
  readonly members = new Set<RoomMember>()
  /** Per client id, the clock up to which the log holds its structs durably. */
  readonly durable: DurableClocks
  /**
   * Which editor (token `sub`) wrote each Yjs client id since the room loaded. A struct carries its
   * client id and clock, and the server skips a struct it already holds: an update from someone else
   * carrying the next clock of your client id would make the server skip your real edit (see rooms.ts).
   * The server's own client ids of earlier builds of the document stay here as the server's.
   */
  readonly authors = new Map<number, string>()
  headSeq: number
  /** Resolves when every append started so far has settled; acks wait on it so they stay in order. */
  appendTail: Promise<unknown> = Promise.resolve()
  idleTimer: NodeJS.Timeout | undefined

  /**
   * `state`: the document as the log hands it out for loading (`stateParts`). A state that is one checkpoint
   * (Yjs v2, e.g. after a clean shutdown) is kept as it is, like a hibernating room's: a joining client is answered
   * from it (measured: a third of the time of building the document for 100k edits) and the first update or read
   * builds the document. A checkpoint and a tail are applied at once: merging them without a document costs more
   * than building it (docs/operations.md, "Hibernating documents").
   */
  constructor(name: DocName, state: readonly StatePart[], headSeq: number) {
    this.name = name
    const [first] = state
    if (state.length === 1 && first!.encoding === 'v2') {
      this.doc = null
      this.sleeping = first!.update
      this.durable = mergeClocks(new Map(), Y.parseUpdateMetaV2(first!.update).to)
    } else {
      const doc = new Y.Doc()
      applyStateParts(doc, state, this)
      this.doc = doc
      this.durable = mergeClocks(new Map(), Y.decodeStateVector(Y.encodeStateVector(doc)))
      // Pending structs count too: the log holds them even though Yjs has not integrated them yet
      // (Yjs keeps them as one v2 update).
      const pending = doc.store.pendingStructs
      if (pending !== null) mergeClocks(this.durable, Y.parseUpdateMetaV2(pending.update).to)
    }
    this.headSeq = headSeq
    // Its own (empty) Y.Doc, not the document's: awareness needs a client id only, and outlives hibernation.
    this.awareness = new awarenessProtocol.Awareness(new Y.Doc())
    this.awareness.setLocalState(null)
    this.awareness.on('update', this.onAwarenessUpdate)
  }

  /** The document, built again from the encoded state if the room hibernates. */
  get ydoc(): Y.Doc {
    this.used = true
    if (this.doc === null) {
      const doc = new Y.Doc()
      Y.applyUpdateV2(doc, this.sleeping as Uint8Array, this)
      this.doc = doc
      this.sleeping = null
    }
    return this.doc
  }

  /** Whether the room holds its document as encoded state only. */
  get hibernating(): boolean {
    return this.doc === null
  }

  /**
   * Keeps the document as encoded state and drops its Y.Doc; false (nothing done) while Yjs holds pending
   * structs or deletions, which a rebuilt document would have to integrate in the same order.
   */
  hibernate(): boolean {
    const doc = this.doc
    if (doc === null || this.destroyed || doc.store.pendingStructs !== null || doc.store.pendingDs !== null) return false
    this.sleeping = Y.encodeStateAsUpdateV2(doc)
    this.authors.set(doc.clientID, serverAuthor)
    doc.destroy()
    this.doc = null
    return true
  }

  /** A durable acknowledgement's clocks: for each of `clients`, up to where the log holds its structs. */
  durableClocks(clients: Iterable<number>): DurableClocks {
    const clocks: DurableClocks = new Map()
    for (const client of clients) clocks.set(client, this.durable.get(client) ?? 0)
    return clocks
  }

  /** The document's state vector (sync step 1), without building a hibernating document. */
  stateVector(): Uint8Array {
    return this.doc === null ? Y.encodeStateVectorFromUpdateV2(this.sleeping as Uint8Array) : Y.encodeStateVector(this.doc)
  }

  /** What a client with `stateVector` lacks, as a v1 update (sync step 2), without building a hibernating document. */
  diff(stateVector: Uint8Array): Uint8Array {
    if (this.doc !== null) return Y.encodeStateAsUpdate(this.doc, stateVector)
    return Y.convertUpdateFormatV2ToV1(Y.diffUpdateV2(this.sleeping as Uint8Array, stateVector))
  }

  private onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const member = origin as RoomMember | null
    if (member !== null && this.members.has(member)) {
      for (const id of added) member.awarenessClients.add(id)
      for (const id of removed) member.awarenessClients.delete(id)
    }
    this.broadcast(awarenessMessage(this.awareness, [...added, ...updated, ...removed]))
  }

  /** To every member but `except`; a Rota message (conflict notices, …) only to the members that speak Rota. */
  broadcast(message: Uint8Array, except?: RoomMember): void {
    // Decided here, once per message, so that no caller (an extension) can reach a stock client with one.
    const rotaOnly = isRotaMessage(message)
    for (const member of this.members) if (member !== except && (member.speaksRota || !rotaOnly)) member.send(message)
  }

  leave(member: RoomMember): void {
    if (!this.members.delete(member)) return
    if (member.awarenessClients.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...member.awarenessClients], null)
    }
  }

  /** Set once the room is dropped from memory; a destroyed room is never handed out again. */
  destroyed = false

  destroy(): void {
    this.destroyed = true
    clearTimeout(this.idleTimer)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.awareness.destroy()
    this.doc?.destroy()
    this.doc = null
    this.sleeping = null
  }
}
