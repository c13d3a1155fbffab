import * as Y from 'yjs'
import type { FastifyBaseLogger as Logger } from 'fastify'
import { stateParts, type EntryMeta, type UpdateLog } from '@rota/log'
import { CloseCode, mergeClocks, type DeniedChange } from '@rota/protocol'
import { guardUpdate, isNoopUpdate, unjudgeable } from '@rota/auth'
import { RotaServerError, ServerErrorCode } from './errors.ts'
import { parseDocName, type DocName } from './docName.ts'
import { Room, serverAuthor, type RoomMember } from './room.ts'
import { inspectUpdate, isEmptyUpdate } from './update.ts'
import { authorView, type AuthorView, type ViewLimits } from './view.ts'
import { copyOf, judgeOnView, needsJudging, refusalDetails, takeOutRefused } from './admit.ts'
import { updateMessage } from './messages.ts'
import type { ServerMetrics } from './metrics.ts'
import type { ApplyOptions, Identity, Rooms, ServerHooks, UpdateEvent, UpdateMeta } from './types.ts'

export interface RoomsContext {
  log: UpdateLog
  hooks: ServerHooks
  metrics: ServerMetrics
  logger: Logger
  idleMs: number
  /** A room nobody used for between this and twice this long hibernates (room.ts); 0: never. */
  hibernateMs?: number
  maxDocNameLength: number
  viewLimits?: ViewLimits
  /** What a bus between instances watches (replication.ts); absent on a single instance. */
  events?: RoomEvents
}

/**
 * Hooks for a bus between instances (replication.ts). They only observe: none of them may throw, and only
 * beforeLoad is waited for.
 */
export interface RoomEvents {
  /**
   * Before a document's state is read from the log: the bus subscribes first, so that an update another
   * instance commits meanwhile is either in what is read or arrives by the bus (never in neither).
   */
  beforeLoad?(doc: DocName): Promise<void>
  /** The room is loaded, at `room.headSeq`, and about to be handed out. */
  loaded?(room: Room): void
  /** The room is dropped from memory (`room` undefined: its load failed). */
  unloaded?(doc: DocName, room?: Room): void
  /** An extension broadcast a message to the document's connections (rooms.broadcast): other instances' too. */
  broadcast?(doc: string, message: Uint8Array): void
}

/** The server-side face of Rooms: connections join and submit without an extra await. */
export interface RoomRegistry extends Rooms {
  join(name: DocName, member: RoomMember): Promise<Room>
  leave(room: Room, member: RoomMember): void
  /**
   * Validates, authorises and applies an update synchronously, starts the append and
   * broadcasts; the promise resolves once the entry is durable. Throws synchronously when refused.
   */
  submit(room: Room, update: Uint8Array, meta: UpdateMeta, options?: SubmitOptions): Promise<Committed>
  /** The view a sync reply's author had (view.ts), read once the appends in flight are in the log. */
  authorView(room: Room, declared: Map<number, number>, reply: Uint8Array, build: boolean): Promise<AuthorView>
  /** One hibernation sweep now (the sweeper runs it every `hibernateMs`): for tests and operators' tools. */
  hibernateIdle(): Promise<void>
  /** Closes every connection with `code`, waits for pending appends, drops the rooms. */
  close(code: number, reason: string): Promise<void>
}

export interface SubmitOptions extends ApplyOptions {
  /** The connection that sent it: not relayed back to it (unless the server changed the update). */
  except?: RoomMember
  /** A private copy of the state the update's author made it on (their view), when it is not the room's. */
  view?: Y.Doc
  /**
   * Take refused changes out and keep the rest (WebSocket: see admit.ts), telling the sender which, at
   * once. Without it an update with a refused change is refused whole and nothing is applied (REST).
   */
  onDenied?: (changes: DeniedChange[]) => void
}

/** An update in the log: its seq and the client ids whose structs it carries. */
export interface Committed {
  seq: number
  clientIds: number[]
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9

const sameClocks = (a: Map<number, number>, b: Map<number, number>): boolean =>
  a.size === b.size && [...a].every(([client, clock]) => b.get(client) === clock)

export const createRooms = (ctx: RoomsContext): RoomRegistry => {
  const { log, hooks, metrics, logger } = ctx
  const rooms = new Map<DocName, Promise<Room>>()
  /** Appends still in flight for rooms dropped early (reload, failure): the next load reads after them. */
  const draining = new Map<DocName, Promise<unknown>>()
  const listeners = new Set<(event: UpdateEvent) => void>()

  const load = async (name: DocName): Promise<Room> => {
    await draining.get(name)
    await ctx.events?.beforeLoad?.(name)
    const start = process.hrtime.bigint()
    const [state, head] = await Promise.all([stateParts(log, name), log.head(name)]).catch((err: unknown) => {
      ctx.events?.unloaded?.(name) // the bus subscribed for a room that will not be
      throw err
    })
    const room = new Room(name, state, head?.headSeq ?? 0)
    metrics.docsLoaded.inc()
    metrics.documents.inc()
    metrics.loadSeconds.observe(seconds(start))
    const bytes = state.reduce((sum, part) => sum + part.update.length, 0)
    logger.debug({ doc: name, seq: room.headSeq, parts: state.length, bytes }, 'document loaded')
    ctx.events?.loaded?.(room)
    return room
  }

  const loadOrGet = (name: DocName): Promise<Room> => {
    let room = rooms.get(name)
    if (room === undefined) {
      room = load(name)
      rooms.set(name, room)
      // A failed load leaves no trace: the next request tries again.
      room.catch(() => rooms.delete(name))
    }
    return room
  }

  /** The open room of a document, loading it if needed; never one that is being dropped. */
  const getRoom = async (name: DocName): Promise<Room> => {
    for (;;) {
      const entry = loadOrGet(name)
      const room = await entry
      if (!room.destroyed) return room
      if (rooms.get(name) === entry) rooms.delete(name)
    }
  }

  /** Drops a room from memory (once): its entry goes, unless a newer room took the name already. */
  const drop = (room: Room): void => {
    if (room.destroyed) return
    const entry = rooms.get(room.name)
    // Before destroy: the bus still reads the room's awareness to tell the others its clients left.
    ctx.events?.unloaded?.(room.name, room)
    room.destroy()
    metrics.documents.dec()
    const tail = room.appendTail
    draining.set(room.name, tail)
    void tail.then(() => {
      if (draining.get(room.name) === tail) draining.delete(room.name)
    })
    void entry?.then((current) => {
      if (current === room && rooms.get(room.name) === entry) rooms.delete(room.name)
    })
  }

  const unload = async (room: Room): Promise<void> => {
    const timer = room.idleTimer
    await room.appendTail
    // Someone joined or touched the room meanwhile (its timer was re-armed), or it is gone already.
    if (room.destroyed || room.members.size > 0 || room.idleTimer !== timer) return
    drop(room)
    metrics.docsUnloaded.inc()
    logger.debug({ doc: room.name }, 'document unloaded')
  }

  /** (Re)starts the idle countdown of a room nobody is connected to. */
  const touch = (room: Room): void => {
    clearTimeout(room.idleTimer)
    room.idleTimer = undefined
    if (room.members.size === 0 && !room.destroyed) {
      room.idleTimer = setTimeout(() => void unload(room), ctx.idleMs)
      room.idleTimer.unref()
    }
  }

  /** The log failed: memory is ahead of the log. Drop the room; clients resend on reconnect. */
  const fail = (room: Room, err: unknown): void => {
    if (room.destroyed) return
    logger.error({ err, doc: room.name }, 'append failed; closing the document')
    const members = [...room.members]
    room.members.clear()
    drop(room)
    for (const member of members) member.close(CloseCode.InternalError, 'storage failed; reconnect')
  }

  /**
   * Applies an update to the room's document. Yjs may throw after integrating part of an update (e.g. a
   * delete set that names clocks the client never reached): the refused update is not logged, so a room
   * whose document changed is dropped and reloads from the log — memory never holds what the log lacks.
   * Its connections are closed and resync on reconnect. Throws ROTA_ERR_BAD_UPDATE.
   */
  const apply = (room: Room, update: Uint8Array, sender?: RoomMember, during?: (tr: Y.Transaction) => void): void => {
    const { store } = room.ydoc
    const pending = [store.pendingStructs, store.pendingDs]
    let failure: unknown
    let changed = false
    room.ydoc.transact((tr) => {
      try {
        Y.applyUpdate(room.ydoc, update, room)
        during?.(tr)
      } catch (err) {
        failure = err
        changed =
          tr.deleteSet.clients.size > 0 ||
          store.pendingStructs !== pending[0] ||
          store.pendingDs !== pending[1] ||
          !sameClocks(tr.beforeState, Y.decodeStateVector(Y.encodeStateVector(room.ydoc)))
      }
    }, room)
    if (failure === undefined) return
    if (changed) reload(room, sender)
    throw new RotaServerError(ServerErrorCode.BadUpdate, 'update cannot be applied', {
      cause: failure instanceof Error ? failure.message : String(failure),
    })
  }

  /**
   * Closes a room's connections (but `sender`, which the caller refuses) and drops it; the next use loads
   * it from the log once the appends in flight are stored.
   */
  const reload = (room: Room, sender?: RoomMember): void => {
    logger.warn({ doc: room.name }, 'an update failed half-applied; reloading the document from the log')
    metrics.docsReloaded.inc()
    const members = [...room.members]
    room.members.clear()
    drop(room)
    for (const member of members) if (member !== sender) member.close(CloseCode.InternalError, 'document reloaded; reconnect')
  }

  const commit = (
    room: Room,
    update: Uint8Array,
    to: Map<number, number>,
    meta: UpdateMeta,
    except?: RoomMember,
  ): Promise<Committed> => {
    const entryMeta: EntryMeta = {
      ...meta,
      clientIds: meta.clientIds ?? [...to.keys()],
      receivedAt: meta.receivedAt ?? Date.now(),
    }
    const start = process.hrtime.bigint()
    const appended = log.append(room.name, update, entryMeta)
    // Broadcast before the disk answers: durability is reported separately.
    room.broadcast(updateMessage(update), except)
    const inOrder = Promise.all([room.appendTail, appended])
    room.appendTail = inOrder.catch(() => undefined)
    return inOrder.then(
      ([, seq]) => {
        metrics.appendSeconds.observe(seconds(start))
        metrics.updates.inc({ origin: entryMeta.origin })
        mergeClocks(room.durable, to)
        room.headSeq = Math.max(room.headSeq, seq)
        // `ydoc` read when a listener asks: a room that hibernated meanwhile is not built for nothing.
        const event: UpdateEvent = { doc: room.name, seq, update, meta: entryMeta, get ydoc() { return room.ydoc } }
        for (const listener of listeners) {
          try {
            listener(event)
          } catch (err) {
            logger.error({ err, doc: room.name, seq }, 'update listener threw')
          }
        }
        return { seq, clientIds: entryMeta.clientIds }
      },
      (err: unknown) => {
        fail(room, err)
        throw new RotaServerError(ServerErrorCode.LogFailed, 'the update could not be stored', { doc: room.name })
      },
    )
  }

  const forbidden = (room: Room, reason: string, details: Record<string, unknown> = {}): RotaServerError =>
    new RotaServerError(ServerErrorCode.Forbidden, reason, { doc: room.name, ...details })

  /**
   * What of the update is refused, decided before the room's document is touched: on the author's view
   * when there is one, and for strict callers (REST) on a copy, so that a refusal applies nothing.
   * undefined: judge inside the room's transaction (a live WebSocket update, see admit.ts).
   */
  const judgeFirst = (room: Room, update: Uint8Array, identity: Identity, options: SubmitOptions): DeniedChange[] | undefined => {
    if (identity.role === 'viewer') throw forbidden(room, 'viewer is read-only')
    if (options.view === undefined && options.onDenied !== undefined) return undefined
    const view = options.view ?? copyOf(room.ydoc)
    const refused = judgeOnView(hooks, identity, view, update, room.name)
    if (options.view === undefined) view.destroy()
    if (refused === 'pending') {
      throw new RotaServerError(ServerErrorCode.ForgedView, 'the update was not made on the state its connection declared', { doc: room.name })
    }
    if (refused.length > 0 && options.onDenied === undefined) throw forbidden(room, refused[0]!.reason, { refused: refusalDetails(refused) })
    return refused
  }

  /**
   * New structs of a client id another editor wrote since the room loaded, or of the room's own, are
   * refused: once the server held such a struct it would skip the real one with the same id (the other
   * editor's next edit, lost without a word). A client id first applied from this editor becomes theirs.
   * Ids from before the room loaded are not known and not checked (a client giving back edits the server
   * lost may carry anyone's).
   */
  const newClients = (room: Room, to: Map<number, number>): number[] =>
    [...to].filter(([client, clock]) => clock > Y.getState(room.ydoc.store, client)).map(([client]) => client)

  const checkClients = (room: Room, clients: number[], identity: Identity): void => {
    for (const client of clients) {
      const owner = client === room.ydoc.clientID ? serverAuthor : room.authors.get(client)
      if (owner !== undefined && owner !== identity.sub) {
        throw forbidden(room, `the update carries new structs of Yjs client ${client}, which another editor writes`, { client })
      }
    }
  }

  const submit: RoomRegistry['submit'] = (room, update, meta, options = {}) => {
    // Nothing to judge or store (a client with nothing to add answering sync step 1): a hibernating room stays so.
    if (isEmptyUpdate(update)) return room.appendTail.then(() => ({ seq: room.headSeq, clientIds: [] }))
    const { to, empty, overlaps } = inspectUpdate(update, room.ydoc)
    // The hostile-input guards run for every update, whatever the hooks (open hooks included).
    const hostile = guardUpdate(room.ydoc, update)
    if (hostile !== undefined) throw forbidden(room, hostile)
    const identity = options.identity
    // The client ids this update brings new structs of: checked now, theirs once the update is applied.
    const claimed = identity === undefined ? [] : newClients(room, to)
    if (identity !== undefined) checkClients(room, claimed, identity)
    // An update that changes nothing (a read-only client's sync step 2) is not an attempt to write.
    const judging = needsJudging(identity) && !empty && !isNoopUpdate(room.ydoc, update)
    // What Yjs cannot integrate now is refused from every editor, admins too. It would change things later,
    // unjudged; and what the room keeps pending it relays, so every client would hold it pending too and send
    // it back in each sync step 2, where a judged editor's whole reply is refused for it: their offline edits
    // stranded by someone else's update. A deletion of structs nobody sent yet is one (updateGuard.ts).
    if (identity !== undefined && !empty) {
      const pending = unjudgeable(room.ydoc, update)
      if (pending !== undefined) throw forbidden(room, pending)
    }
    let refused = judging ? judgeFirst(room, update, identity, options) : []
    // Nothing to store, but answered in order with the appends before it (acks pair up with sends).
    if (empty) return room.appendTail.then(() => ({ seq: room.headSeq, clientIds: [] }))
    // Yjs skips the structs the room holds; the log must not keep a second (maybe different) version of
    // them either, which a merged replay (Y.mergeUpdates) could prefer. Store only what is new.
    let stored = overlaps ? Y.diffUpdate(update, Y.encodeStateVector(room.ydoc)) : update
    let rewritten: Uint8Array | undefined
    const takeOut = (tr: Y.Transaction): void => {
      refused = takeOutRefused(hooks, identity as Identity, room.ydoc, tr, refused, room.name)
      if (refused.length === 0) return
      // Listening only now: Yjs encodes a transaction's update only when someone listens.
      const capture = (txUpdate: Uint8Array, _origin: unknown, _doc: Y.Doc, done: Y.Transaction) => {
        if (done !== tr) return
        rewritten = txUpdate
        room.ydoc.off('update', capture)
      }
      room.ydoc.on('update', capture)
    }
    const start = process.hrtime.bigint()
    apply(room, update, options.except, judging && options.onDenied !== undefined ? takeOut : undefined)
    metrics.applySeconds.observe(seconds(start))
    for (const client of claimed) if (!room.authors.has(client)) room.authors.set(client, (identity as Identity).sub)
    if (refused === undefined || refused.length === 0 || rewritten === undefined) return commit(room, stored, to, meta, options.except)
    // The entry holds the editor's structs with the refused ones put back: everyone, the sender too, needs it.
    stored = rewritten
    mergeClocks(to, Y.parseUpdateMeta(stored).to)
    metrics.rejected.inc({ reason: 'change_taken_out' })
    options.onDenied?.(refused)
    const details = { ...meta.details, refused: refusalDetails(refused) }
    return commit(room, stored, to, { ...meta, details })
  }

  const named = (doc: string): DocName => parseDocName(doc, ctx.maxDocNameLength)

  /** Hibernates the rooms nobody used since the last sweep (their `used` flag is still clear). */
  const sweep = async (): Promise<void> => {
    let hibernating = 0
    for (const entry of [...rooms.values()]) {
      const room = await entry.catch(() => undefined)
      if (room === undefined || room.destroyed) continue
      if (!room.used && room.hibernate()) metrics.docsHibernated.inc()
      room.used = false
      if (room.hibernating) hibernating++
    }
    metrics.hibernating.set(hibernating)
  }
  const hibernateMs = ctx.hibernateMs ?? 0
  const sweeper = hibernateMs > 0 ? setInterval(() => void sweep(), hibernateMs) : undefined
  sweeper?.unref()

  const registry: RoomRegistry = {
    async applyUpdate(doc, update, meta, options) {
      const room = await getRoom(named(doc))
      touch(room)
      return submit(room, update, meta, options)
    },

    async change(doc, meta, fn) {
      const room = await getRoom(named(doc))
      touch(room)
      const origin = Symbol('change')
      const updates: Uint8Array[] = []
      const capture = (update: Uint8Array, txOrigin: unknown) => {
        if (txOrigin === origin) updates.push(update)
      }
      let failure: { error: unknown } | undefined
      room.ydoc.on('update', capture)
      try {
        room.ydoc.transact(() => fn(room.ydoc), origin)
      } catch (error) {
        failure = { error }
      } finally {
        room.ydoc.off('update', capture)
      }
      const update = updates.length === 1 ? updates[0] : updates.length > 1 ? Y.mergeUpdates(updates) : undefined
      if (update === undefined) {
        if (failure !== undefined) throw failure.error
        return null
      }
      const committed = commit(room, update, Y.parseUpdateMeta(update).to, meta)
      if (failure === undefined) return committed
      // Whatever fn changed before it threw is in memory already: keep the log equal to it.
      committed.catch(() => undefined)
      throw failure.error
    },

    applyRemote(doc, update, seq) {
      const pending = rooms.get(named(doc))
      if (pending === undefined) return
      const { to } = inspectUpdate(update)
      // A room still loading reads this update from the shared log anyway; applying twice is harmless.
      void pending.then(
        (room) => {
          if (room.destroyed) return
          try {
            apply(room, update)
          } catch (err) {
            // The log holds it but memory cannot: memory must follow the log.
            logger.error({ err, doc: room.name }, 'a stored update from another instance failed to apply')
            if (!room.destroyed) reload(room)
            return
          }
          mergeClocks(room.durable, to)
          // The bus says up to where the room now holds the shared log: REST answers and acks quote it.
          if (seq !== undefined) room.headSeq = Math.max(room.headSeq, seq)
          room.broadcast(updateMessage(update))
        },
        () => undefined,
      )
    },

    onUpdate(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    broadcast(doc, message) {
      // Other instances' connections of the document get it too (a bus relays it to their rooms directly).
      ctx.events?.broadcast?.(doc, message)
      void rooms.get(doc as DocName)?.then((room) => room.broadcast(message), () => undefined)
    },

    async getDoc(doc) {
      const room = await getRoom(named(doc))
      touch(room)
      return room.ydoc
    },

    openDocs: () => [...rooms.keys()],

    async join(name, member) {
      const room = await getRoom(name)
      room.members.add(member)
      touch(room)
      return room
    },

    leave(room, member) {
      room.leave(member)
      touch(room)
    },

    submit,

    async authorView(room, declared, reply, build) {
      await room.appendTail
      const state = Y.decodeStateVector(Y.encodeStateVector(room.ydoc))
      return authorView(log, room.name, room.headSeq, state, declared, reply, ctx.viewLimits, build)
    },

    hibernateIdle: sweep,

    async close(code, reason) {
      clearInterval(sweeper)
      const open = await Promise.allSettled([...rooms.values()])
      for (const result of open) {
        if (result.status !== 'fulfilled' || result.value.destroyed) continue
        const room = result.value
        for (const member of [...room.members]) member.close(code, reason)
        await room.appendTail
        drop(room)
      }
      rooms.clear()
    },
  }
  return registry
}
