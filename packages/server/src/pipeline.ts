import * as Y from 'yjs'
import type { FastifyBaseLogger as Logger } from 'fastify'
import { mergeClocks, type DeniedChange } from '@rota/protocol'
import { guardUpdate, isNoopUpdate, unjudgeable } from '@rota/auth'
import type { Room, RoomMember } from './room.ts'
import { inspectUpdate, isEmptyUpdate } from './update.ts'
import { needsJudging, refusalDetails, takeOutRefused } from './admit.ts'
import { RotaServerError, ServerErrorCode } from './errors.ts'
import { createCommitSteps, seconds, type CommitContext, type Committed } from './commit.ts'
import { updateMessage } from './messages.ts'
import { checkClients, forbidden, judgeFirst, newClients } from './submitChecks.ts'
import type { ApplyOptions, Identity, RefusedEvent, ServerHooks, UpdateMeta } from './types.ts'

export type { Committed } from './commit.ts'
export { seconds } from './commit.ts'

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
  /**
   * The update is a connection's sync reply (SyncStep2): everything its client holds that the server lacks,
   * which after a crash includes other editors' edits the server relayed but had not stored. It is checked
   * against the client ids editors already write (submitChecks.ts) but claims none: only an editor's live
   * edits make a client id theirs, or a reply forwarding someone's lost edits would lock that someone out.
   */
  reply?: boolean
}

export interface PipelineContext extends CommitContext {
  hooks: ServerHooks
  logger: Logger
  /** Rooms.onRefused's listeners: told of each update with changes taken out, once it is durable. */
  refusedListeners: ReadonlySet<(event: RefusedEvent) => void>
  /** Other instances append to the same log (a bus joins them): a room can be behind the log for a moment. */
  sharedLog?: boolean
}

/**
 * What happens to one update in a loaded room, whatever its source: the hostile-input guards, the author's
 * view, the auth hooks' judgement (admit.ts), applying it, the append, the relay, and the listeners once it
 * is durable. The registry (rooms.ts) owns the rooms' lifecycle; this owns an update's.
 */
export const createUpdatePipeline = (ctx: PipelineContext) => {
  const { hooks, metrics, logger, refusedListeners, reload } = ctx
  const { apply, commit } = createCommitSteps(ctx)

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
      // On a log several instances share, what this room lacks may be stored already by another instance that
      // the room has not caught up with (the bus lags; Redis is down): not a refusal but "not yet". The client
      // reconnects and its sync sends the update again, once the heads repair has brought the room up to date.
      if (pending !== undefined && ctx.sharedLog === true) {
        throw new RotaServerError(ServerErrorCode.BehindLog, `this instance has not caught up with the log yet: ${pending}`, { doc: room.name })
      }
      if (pending !== undefined) throw forbidden(room, pending)
    }
    let refused = judging ? judgeFirst(hooks, room, update, identity, options) : []
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
    if (options.reply !== true) for (const client of claimed) if (!room.authors.has(client)) room.authors.set(client, (identity as Identity).sub)
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
