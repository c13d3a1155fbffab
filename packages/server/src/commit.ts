/**
 * The two steps every update's path ends in (pipeline.ts): applying it to the room's document, and committing
 * it (the append, the relay before the disk answers, and the listeners once the entry is durable).
 */
import * as Y from 'yjs'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { EntryMeta, UpdateLog } from '@rota/log'
import { mergeClocks } from '@rota/protocol'
import { RotaServerError, ServerErrorCode } from './errors.ts'
import type { Room, RoomMember } from './room.ts'
import { updateMessage } from './messages.ts'
import type { ServerMetrics } from './metrics.ts'
import type { UpdateEvent, UpdateMeta } from './types.ts'

/** An update in the log: its seq and the client ids whose structs it carries. */
export interface Committed {
  seq: number
  clientIds: number[]
}

export const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9

const sameClocks = (a: Map<number, number>, b: Map<number, number>): boolean =>
  a.size === b.size && [...a].every(([client, clock]) => b.get(client) === clock)

export interface CommitContext {
  log: UpdateLog
  metrics: ServerMetrics
  logger: Logger
  /** Rooms.onUpdate's listeners: told of each update once it is durable. */
  listeners: ReadonlySet<(event: UpdateEvent) => void>
  /** The log failed: the room's memory is ahead of the log; drop it (rooms.ts). */
  fail(room: Room, err: unknown): void
  /** An update failed half-applied: close the room's connections but `sender` and drop it (rooms.ts). */
  reload(room: Room, sender?: RoomMember): void
}

export const createCommitSteps = (ctx: CommitContext) => {
  const { log, metrics, logger, listeners, fail, reload } = ctx

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

  return { apply, commit }
}
