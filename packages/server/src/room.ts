import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { applyStateParts, type StatePart } from '@rota/log'
import { isRotaMessage, mergeClocks, type DurableClocks } from '@rota/protocol'
import { awarenessMessage } from './messages.ts'
import type { DocName } from './docName.ts'

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
 */
export class Room {
  readonly name: DocName
  readonly ydoc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  readonly members = new Set<RoomMember>()
  /** Per client id, the clock up to which the log holds its structs durably. */
  readonly durable: DurableClocks
  /**
   * Which editor (token `sub`) wrote each Yjs client id since the room loaded. A struct carries its
   * client id and clock, and the server skips a struct it already holds: an update from someone else
   * carrying the next clock of your client id would make the server skip your real edit (see rooms.ts).
   */
  readonly authors = new Map<number, string>()
  headSeq: number
  /** Resolves when every append started so far has settled; acks wait on it so they stay in order. */
  appendTail: Promise<unknown> = Promise.resolve()
  idleTimer: NodeJS.Timeout | undefined

  /** `state`: the document as the log hands it out for loading (`stateParts`). */
  constructor(name: DocName, state: readonly StatePart[], headSeq: number) {
    this.name = name
    this.ydoc = new Y.Doc()
    applyStateParts(this.ydoc, state, this)
    this.durable = mergeClocks(new Map(), Y.decodeStateVector(Y.encodeStateVector(this.ydoc)))
    // Pending structs count too: the log holds them even though Yjs has not integrated them yet
    // (Yjs keeps them as one v2 update).
    const pending = this.ydoc.store.pendingStructs
    if (pending !== null) mergeClocks(this.durable, Y.parseUpdateMetaV2(pending.update).to)
    this.headSeq = headSeq
    this.awareness = new awarenessProtocol.Awareness(this.ydoc)
    this.awareness.setLocalState(null)
    this.awareness.on('update', this.onAwarenessUpdate)
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
    this.ydoc.destroy()
  }
}
