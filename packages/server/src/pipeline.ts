import * as Y from 'yjs'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { EntryMeta, UpdateLog } from '@rota/log'
import { mergeClocks, type DeniedChange } from '@rota/protocol'
import { guardUpdate, isNoopUpdate, unjudgeable } from '@rota/auth'
import { RotaServerError, ServerErrorCode } from './errors.ts'
import { serverAuthor, type Room, type RoomMember } from './room.ts'
import { inspectUpdate, isEmptyUpdate } from './update.ts'
import { copyOf, judgeOnView, needsJudging, refusalDetails, takeOutRefused } from './admit.ts'
import { updateMessage } from './messages.ts'
import type { ServerMetrics } from './metrics.ts'
import type { ApplyOptions, Identity, RefusedEvent, ServerHooks, UpdateEvent, UpdateMeta } from './types.ts'

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

export const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9

const sameClocks = (a: Map<number, number>, b: Map<number, number>): boolean =>
  a.size === b.size && [...a].every(([client, clock]) => b.get(client) === clock)

export interface PipelineContext {
  log: UpdateLog
  hooks: ServerHooks
  metrics: ServerMetrics
  logger: Logger
  /** Rooms.onUpdate's listeners: told of each update once it is durable. */
  listeners: ReadonlySet<(event: UpdateEvent) => void>
  /** Rooms.onRefused's listeners: told of each update with changes taken out, once it is durable. */
  refusedListeners: ReadonlySet<(event: RefusedEvent) => void>
  /** The log failed: the room's memory is ahead of the log; drop it (rooms.ts). */
  fail(room: Room, err: unknown): void
  /** An update failed half-applied: close the room's connections but `sender` and drop it (rooms.ts). */
  reload(room: Room, sender?: RoomMember): void
}

/**
 * What happens to one update in a loaded room, whatever its source: the hostile-input guards, the author's
 * view, the auth hooks' judgement (admit.ts), applying it, the append, the relay, and the listeners once it
 * is durable. The registry (rooms.ts) owns the rooms' lifecycle; this owns an update's.
 */
export const createUpdatePipeline = (ctx: PipelineContext) => {
  const { log, hooks, metrics, logger, listeners, refusedListeners, fail, reload } = ctx

  /** After the entry is durable: a listener's failure is logged, never passed on to the editor. */
  const tellRefused = (event: RefusedEvent): void => {
    for (const listener of refusedListeners) {
      try {
        listener(event)
      } catch (err) {
        logger.error({ err, doc: event.doc, seq: event.seq }, 'refused-change listener threw')
      }
    }
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

  const submit = (room: Room, update: Uint8Array, meta: UpdateMeta, options: SubmitOptions = {}): Promise<Committed> => {
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
    const committed = commit(room, stored, to, { ...meta, details })
    const taken = refused
    if (refusedListeners.size > 0) committed.then(({ seq }) => tellRefused({ doc: room.name, seq, identity: identity as Identity, changes: taken }), () => undefined)
    return committed
  }

  /** Runs `fn` in one transaction with its own origin and commits what it changed (Rooms.change, REST). */
  const change = (room: Room, meta: UpdateMeta, fn: (doc: Y.Doc) => void): Promise<Committed> | null => {
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
  }

  /** An update another instance stored (the bus, Rooms.applyRemote): applied and relayed, never judged or logged again. */
  const applyStored = (room: Room, update: Uint8Array, to: Map<number, number>, seq: number | undefined): void => {
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
  }

  return { change, applyStored, submit }
}
