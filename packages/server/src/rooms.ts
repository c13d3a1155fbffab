import * as Y from 'yjs'
import type { FastifyBaseLogger as Logger } from 'fastify'
import { applyStateParts, stateParts, type UpdateLog } from '@rota/log'
import { CloseCode } from '@rota/protocol'
import { parseDocName, type DocName } from './docName.ts'
import { Room, type RoomMember } from './room.ts'
import { createUpdatePipeline, seconds, type Committed, type SubmitOptions } from './pipeline.ts'
import { inspectUpdate } from './update.ts'
import { authorView, type AuthorView, type ViewLimits } from './view.ts'
import type { ServerMetrics } from './metrics.ts'
import type { RefusedEvent, Rooms, ServerHooks, UpdateEvent, UpdateMeta } from './types.ts'

export type { Committed, SubmitOptions } from './pipeline.ts'

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

/** How often `snapshot` waits for a busy room's appends before it reads the log at its head instead. */
const maxSnapshotAttempts = 8

/** Hibernates the rooms nobody used since the last sweep (their `used` flag is still clear), and counts them. */
const hibernateIdle = async (entries: Iterable<Promise<Room>>, metrics: ServerMetrics, told: (room: Room) => void): Promise<void> => {
  let hibernating = 0
  for (const entry of [...entries]) {
    const room = await entry.catch(() => undefined)
    if (room === undefined || room.destroyed) continue
    if (!room.used && room.hibernate()) {
      metrics.docsHibernated.inc()
      told(room)
    }
    room.used = false
    if (room.hibernating) hibernating++
  }
  metrics.hibernating.set(hibernating)
}

/**
 * The open rooms by document name: loading a room once however many ask at a time, idle unloading after
 * `idleMs`, and dropping a room whose log failed or whose update failed half-applied (its connections are
 * closed; the next use loads it again once the appends in flight are stored).
 */
const createRoomTable = (ctx: RoomsContext) => {
  const { log, metrics, logger } = ctx
  const rooms = new Map<DocName, Promise<Room>>()
  /** Appends still in flight for rooms dropped early (reload, failure): the next load reads after them. */
  const draining = new Map<DocName, Promise<unknown>>()

  const load = async (name: DocName): Promise<Room> => {
    await draining.get(name)
    await ctx.events?.beforeLoad?.(name)
    const start = process.hrtime.bigint()
    // The head first, then the state: with several instances another one may append meanwhile, and a room
    // must never claim a seq its state lacks (the bus would drop that entry as one it holds, and the heads
    // repair would see nothing behind). A state ahead of its head is harmless: what the bus or the repair
    // brings again, Yjs skips.
    const loaded = async () => {
      const head = await log.head(name)
      return { head, state: await stateParts(log, name) }
    }
    const { state, head } = await loaded().catch((err: unknown) => {
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

  return { rooms, getRoom, drop, touch, fail, reload }
}

export const createRooms = (ctx: RoomsContext): RoomRegistry => {
  const { log, hooks, metrics, logger } = ctx
  const { rooms, getRoom, drop, touch, fail, reload } = createRoomTable(ctx)
  const listeners = new Set<(event: UpdateEvent) => void>()
  const refusedListeners = new Set<(event: RefusedEvent) => void>()
  const { change, applyStored, submit } = createUpdatePipeline({
    log, hooks, metrics, logger, listeners, refusedListeners, fail, reload, sharedLog: ctx.events !== undefined,
  })

  const named = (doc: string): DocName => parseDocName(doc, ctx.maxDocNameLength)

  const hibernateListeners = new Set<(doc: string, headSeq: number) => void>()
  const tellHibernated = (room: Room): void => {
    for (const listener of hibernateListeners) {
      try {
        listener(room.name, room.headSeq)
      } catch (err) {
        logger.error({ err, doc: room.name }, 'hibernate listener threw')
      }
    }
  }
  const sweep = (): Promise<void> => hibernateIdle(rooms.values(), metrics, tellHibernated)
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
      return change(room, meta, fn)
    },

    applyRemote(doc, update, seq) {
      const pending = rooms.get(named(doc))
      if (pending === undefined) return
      const { to } = inspectUpdate(update)
      // A room still loading reads this update from the shared log anyway; applying twice is harmless.
      void pending.then(
        (room) => {
          if (!room.destroyed) applyStored(room, update, to, seq)
        },
        () => undefined,
      )
    },

    onUpdate(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    onRefused(listener) {
      refusedListeners.add(listener)
      return () => refusedListeners.delete(listener)
    },

    onHibernate(listener) {
      hibernateListeners.add(listener)
      return () => hibernateListeners.delete(listener)
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

    async snapshot(doc, read) {
      const name = named(doc)
      for (let attempt = 0; attempt < maxSnapshotAttempts; attempt++) {
        const room = await getRoom(name)
        touch(room)
        const tail = room.appendTail
        await tail
        // No update was applied while the appends settled: the document is the log at the room's head.
        if (room.appendTail === tail && !room.destroyed) return { seq: room.headSeq, value: read(room.ydoc) }
      }
      const head = (await log.head(name))?.headSeq ?? 0
      const ydoc = new Y.Doc()
      try {
        applyStateParts(ydoc, await stateParts(log, name, { seq: head }))
        return { seq: head, value: read(ydoc) }
      } finally {
        ydoc.destroy()
      }
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
