import * as Y from 'yjs'
import type { EditEvent } from './history.ts'

/**
 * An in-memory stand-in for the sync server's side of y-websocket, for detection tests and the
 * model-level evaluation: replicas go offline, edit, and reconnect; on reconnect a replica declares its
 * state vector (SyncStep1) and sends what the server lacks (SyncStep2), exactly the bytes a
 * WebsocketProvider sends. Every accepted update becomes an EditEvent with a dense seq.
 */
export class SimServer {
  readonly doc = new Y.Doc({ gc: false })
  readonly events: EditEvent[] = []
  private seq = 0
  private clock: number

  constructor(start = Date.parse('2026-11-23T08:00:00Z')) {
    this.clock = start
  }

  tick(ms = 1000): number {
    this.clock += ms
    return this.clock
  }

  now(): number {
    return this.clock
  }

  /** Accepts an update unless it changes nothing; returns its event. */
  receive(update: Uint8Array, actor: string, role: string, extra: Partial<EditEvent> = {}): EditEvent | null {
    const before = Y.snapshot(this.doc)
    Y.applyUpdate(this.doc, update)
    if (Y.equalSnapshots(before, Y.snapshot(this.doc))) return null
    const receivedAt = this.tick(10)
    const event: EditEvent = { seq: ++this.seq, update, actor, role, origin: 'ws', receivedAt, ...extra }
    this.events.push(event)
    return event
  }

  /** A server-side change (the resolver's): one transaction on the server's document, recorded as an event. */
  change(fn: (doc: Y.Doc) => void, actor: string, role: string, origin: string): EditEvent | null {
    const updates: Uint8Array[] = []
    const collect = (u: Uint8Array): void => void updates.push(u)
    this.doc.on('update', collect)
    try {
      this.doc.transact(() => fn(this.doc))
    } finally {
      this.doc.off('update', collect)
    }
    if (updates.length === 0) return null
    const event: EditEvent = { seq: ++this.seq, update: Y.mergeUpdates(updates), actor, role, origin, receivedAt: this.tick(10) }
    this.events.push(event)
    return event
  }

  client(actor: string, role: string): SimClient {
    return new SimClient(this, actor, role)
  }
}

export class SimClient {
  readonly doc = new Y.Doc()
  online = false
  private editedAt: number | undefined

  constructor(private readonly server: SimServer, readonly actor: string, readonly role: string) {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this || !this.online) return
      this.server.receive(update, this.actor, this.role)
    })
  }

  /** Connects: SyncStep1 (our state vector), the server's reply, then our SyncStep2 with offline edits. */
  connect(): EditEvent | null {
    const sv = Y.encodeStateVector(this.doc)
    const offline = Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.server.doc))
    Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(this.server.doc, sv), this)
    this.online = true
    const clientTime = this.editedAt
    this.editedAt = undefined
    return this.server.receive(offline, this.actor, this.role, { knownStateVector: sv, ...(clientTime === undefined ? {} : { clientTime }) })
  }

  disconnect(): void {
    this.online = false
  }

  /** Edits the local replica (sent at once when online, on the next connect when offline). */
  edit(fn: (doc: Y.Doc) => void): void {
    if (!this.online) this.editedAt ??= this.server.tick(1000)
    fn(this.doc)
  }
}

// One definition of the exception counter: @rota/model's, which its lenient readers are tested with.
export { countThrown } from '@rota/model/testing/exceptions'
