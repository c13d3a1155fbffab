/**
 * Awareness (cursors, presence) across instances, over the bus (bus.ts). Part of replication.ts.
 *
 * - Only what local connections change is published, batched per room (`batchMs`): presence is the
 *   dominant relay cost in large rooms, and a batch carries each client's latest state once.
 * - What comes from the bus is applied with the `fromBus` origin and never published again, nor are
 *   timeouts (every instance times out the same states by itself): no loops between instances.
 * - Each instance remembers which instance speaks for each remote client. Instances send heartbeats;
 *   one silent for `peerTimeoutMs` (or that said `leave`) is dead, and its clients' states go at once
 *   instead of after y-protocols' 30 s timeout.
 * - A room that opens asks the others for their connections' states (`query-awareness`); they answer
 *   with their own connections' only, never with states they got from the bus.
 */
import * as awarenessProtocol from 'y-protocols/awareness'
import * as decoding from 'lib0/decoding'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { BusMessage } from './bus.ts'
import type { DocName } from './docName.ts'
import type { ServerMetrics } from './metrics.ts'
import type { Room } from './room.ts'

/** The origin of awareness changes applied from the bus. */
const fromBus = Symbol('bus')

export interface BusAwarenessContext {
  /** Resolves once the bus took it or refused it (never rejects). */
  publish(message: BusMessage): Promise<void>
  metrics: ServerMetrics
  logger: Logger
  batchMs: number
  heartbeatMs: number
  peerTimeoutMs: number
}

interface AwarenessRoom {
  room: Room
  /** Remote client id → the instance that speaks for it. */
  owners: Map<number, string>
  /** Client ids whose local change is not published yet. */
  batch: Set<number>
  timer: NodeJS.Timeout | undefined
  listener: (changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => void
}

/** The client ids of an awareness update and whether each one's state is null (removed). */
const entriesOf = (update: Uint8Array): Array<{ id: number; removed: boolean }> => {
  const decoder = decoding.createDecoder(update)
  const entries = []
  const count = decoding.readVarUint(decoder)
  for (let i = 0; i < count; i++) {
    const id = decoding.readVarUint(decoder)
    decoding.readVarUint(decoder)
    entries.push({ id, removed: decoding.readVarString(decoder) === 'null' })
  }
  return entries
}

export const createBusAwareness = (ctx: BusAwarenessContext) => {
  const rooms = new Map<DocName, AwarenessRoom>()
  /** Other instances: when each was last heard from. */
  const peers = new Map<string, number>()
  let heartbeat: NodeJS.Timeout | undefined

  const flush = async (entry: AwarenessRoom): Promise<void> => {
    clearTimeout(entry.timer)
    entry.timer = undefined
    const { awareness } = entry.room
    const ids = [...entry.batch].filter((id) => awareness.meta.has(id) && !entry.owners.has(id))
    entry.batch.clear()
    if (ids.length === 0) return
    await ctx.publish({ kind: 'awareness', doc: entry.room.name, update: awarenessProtocol.encodeAwarenessUpdate(awareness, ids) })
  }

  /** Local clients: those with a state here that no other instance speaks for (the server's own is never one). */
  const localIds = (entry: AwarenessRoom): number[] =>
    [...entry.room.awareness.getStates().keys()].filter((id) => !entry.owners.has(id) && id !== entry.room.awareness.clientID)

  const opened = (room: Room): void => {
    const entry: AwarenessRoom = { room, owners: new Map(), batch: new Set(), timer: undefined, listener: () => undefined }
    entry.listener = ({ added, updated, removed }, origin) => {
      if (origin === fromBus || origin === 'timeout') return
      for (const id of [...added, ...updated, ...removed]) entry.batch.add(id)
      entry.timer ??= setTimeout(() => void flush(entry), ctx.batchMs)
    }
    room.awareness.on('update', entry.listener)
    rooms.set(room.name, entry)
    void ctx.publish({ kind: 'query-awareness', doc: room.name })
  }

  /** The room is about to be destroyed: the others hear that its local clients are gone. */
  const closed = (room: Room): void => {
    const entry = rooms.get(room.name)
    if (entry?.room !== room) return
    rooms.delete(room.name)
    awarenessProtocol.removeAwarenessStates(room.awareness, localIds(entry), 'unload')
    void flush(entry)
    room.awareness.off('update', entry.listener)
  }

  const peerGone = (instance: string): void => {
    peers.delete(instance)
    ctx.metrics.busPeers.set(peers.size)
    for (const entry of rooms.values()) {
      const ids = [...entry.owners].filter(([, owner]) => owner === instance).map(([id]) => id)
      for (const id of ids) entry.owners.delete(id)
      if (ids.length > 0) awarenessProtocol.removeAwarenessStates(entry.room.awareness, ids, fromBus)
    }
  }

  const heard = (instance: string): void => {
    if (!peers.has(instance)) ctx.logger.info({ instance }, 'bus: instance joined')
    peers.set(instance, Date.now())
    ctx.metrics.busPeers.set(peers.size)
  }

  const applyRemote = (from: string, doc: string, update: Uint8Array): void => {
    const entry = rooms.get(doc as DocName)
    if (entry === undefined) return
    try {
      for (const { id, removed } of entriesOf(update)) {
        if (removed) entry.owners.delete(id)
        else entry.owners.set(id, from)
      }
      awarenessProtocol.applyAwarenessUpdate(entry.room.awareness, update, fromBus)
    } catch (err) {
      ctx.logger.warn({ err, doc, from }, 'bus: an awareness update from another instance does not decode')
    }
  }

  /** Handles the awareness and liveness messages of the bus (after `heard`). */
  const receive = (from: string, message: BusMessage): void => {
    switch (message.kind) {
      case 'awareness':
        return applyRemote(from, message.doc, message.update)
      case 'query-awareness': {
        const entry = rooms.get(message.doc as DocName)
        const ids = entry === undefined ? [] : localIds(entry)
        if (entry !== undefined && ids.length > 0) {
          void ctx.publish({ kind: 'awareness', doc: message.doc, update: awarenessProtocol.encodeAwarenessUpdate(entry.room.awareness, ids) })
        }
        return
      }
      case 'leave':
        ctx.logger.info({ instance: from }, 'bus: instance left')
        return peerGone(from)
      default:
        return
    }
  }

  const beat = (): void => {
    void ctx.publish({ kind: 'heartbeat' })
    const now = Date.now()
    for (const [instance, last] of peers) {
      if (now - last <= ctx.peerTimeoutMs) continue
      ctx.logger.warn({ instance, silentMs: now - last }, 'bus: instance silent; removing its clients’ awareness')
      peerGone(instance)
    }
  }

  return {
    opened,
    closed,
    heard,
    receive,
    /** After the bus was down: what the others' clients did meanwhile is unknown; ask again. */
    queryAll(): void {
      for (const doc of rooms.keys()) void ctx.publish({ kind: 'query-awareness', doc })
    },
    start(): void {
      beat()
      heartbeat = setInterval(beat, ctx.heartbeatMs)
      heartbeat.unref()
    },
    /** Publishes what is batched and says goodbye, so that the others drop this instance's clients now. */
    async stop(): Promise<void> {
      clearInterval(heartbeat)
      await Promise.all([...rooms.values()].map(flush))
      await ctx.publish({ kind: 'leave' })
    },
  }
}
