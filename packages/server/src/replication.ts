/**
 * Several instances on one shared update log, joined by a bus (bus.ts): what each instance does so that
 * its open rooms follow the log whatever the others write and whatever the bus loses.
 *
 * - Publish after durable: every update this instance stored goes on the bus from `rooms.onUpdate`, which
 *   fires once the log holds it, with its seq. Memory elsewhere never holds what the log lacks.
 * - Per open room a watermark W (every seq ≤ W is in the room) and the seqs above it already applied.
 *   A bus update at or below W, or applied already, is a duplicate and dropped; one above is applied
 *   through `rooms.applyRemote` (never appended again).
 * - Gaps: seqs missing below one that arrived are read from the log after `gapRepairDelayMs` (the bus may
 *   just have reordered two publishers). Seqs the log does not hold (cut by truncateAfter, never reused)
 *   are passed over: the log is the reference.
 * - Heads repair: every `repairIntervalMs` each open room's W is compared with `log.head(doc)` and a room
 *   behind reads its tail. This is what makes the bus optional: a lost message, a bus restart, an instance
 *   killed between commit and publish all end here.
 * - Subscribe before load (`beforeLoad`): what another instance commits while a room loads is in the state
 *   read or on the bus, and the bus messages buffered meanwhile are deduplicated against the loaded head.
 * - Awareness and extension notices cross too (busAwareness.ts; `broadcast` below).
 */
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { UpdateLog } from '@rota/log'
import type { BusMessage, ReplicationOptions } from './bus.ts'
import { createBusAwareness } from './busAwareness.ts'
import type { DocName } from './docName.ts'
import type { ServerMetrics } from './metrics.ts'
import type { Room } from './room.ts'
import type { RoomEvents } from './rooms.ts'
import type { Rooms } from './types.ts'

export const replicationDefaults = {
  repairIntervalMs: 2000,
  gapRepairDelayMs: 100,
  awarenessBatchMs: 50,
  heartbeatMs: 1000,
  peerTimeoutMs: 5000,
} as const

/** Bus updates kept for a room that is still loading; past it they are dropped and the heads repair reads them. */
const maxBuffered = 10_000

interface Track {
  doc: DocName
  /** Undefined while the room loads: bus updates wait in `buffer`. */
  room: Room | undefined
  /** Every seq up to here is in the room (or not in the log). */
  watermark: number
  /** Seqs above the watermark that are in the room. */
  ahead: Set<number>
  buffer: Array<{ seq: number; update: Uint8Array }>
  gapTimer: NodeJS.Timeout | undefined
  /** Reads from the log run one at a time per room. */
  catching: Promise<void>
}

export interface Replication {
  /** The hooks `createRooms` calls. */
  events: RoomEvents
  /** Starts the bus, the heads repair and the heartbeats, once the rooms exist. */
  start(rooms: Rooms): Promise<void>
  /** Compares every open room's head with the log's now, and catches up the rooms behind. */
  repair(): Promise<void>
  /** Stops the timers and tells the others this instance is leaving; the bus's owner closes it. */
  stop(): Promise<void>
}

export interface ReplicationContext {
  log: UpdateLog
  metrics: ServerMetrics
  logger: Logger
}

const advance = (track: Track): void => {
  while (track.ahead.delete(track.watermark + 1)) track.watermark++
}

const mark = (track: Track, seq: number): void => {
  if (seq <= track.watermark) return
  track.ahead.add(seq)
  advance(track)
}

/** Everything up to `seq` is in the room now, or not in the log at all. */
const passTo = (track: Track, seq: number): void => {
  if (seq <= track.watermark) return
  track.watermark = seq
  for (const s of track.ahead) if (s <= seq) track.ahead.delete(s)
  advance(track)
}

export const createReplication = (options: ReplicationOptions, ctx: ReplicationContext): Replication => {
  const settings = { ...replicationDefaults, ...definedOnly(options) }
  const { bus } = options
  const { log, metrics, logger } = ctx
  const tracks = new Map<DocName, Track>()
  let rooms: Rooms | undefined
  let connected = false
  let stopped = false
  let repairTimer: NodeJS.Timeout | undefined

  const publish = (message: BusMessage): Promise<void> =>
    bus.publish(message).then(
      (sent) => (sent ? metrics.busPublished.inc({ kind: message.kind }) : metrics.busPublishFailures.inc()),
      () => metrics.busPublishFailures.inc(),
    )
  const awareness = createBusAwareness({
    publish,
    metrics,
    logger,
    batchMs: settings.awarenessBatchMs,
    heartbeatMs: settings.heartbeatMs,
    peerTimeoutMs: settings.peerTimeoutMs,
  })

  const live = (track: Track): boolean => track.room !== undefined && !track.room.destroyed && tracks.get(track.doc) === track

  const applyEntry = (track: Track, seq: number, update: Uint8Array): void => {
    mark(track, seq)
    rooms?.applyRemote(track.doc, update, track.watermark)
  }

  /** Reads (watermark, toSeq] from the log into the room; queued behind the room's previous read. */
  const catchUp = (track: Track, toSeq: number): Promise<void> => {
    const read = async (): Promise<void> => {
      if (!live(track) || toSeq <= track.watermark) return
      for await (const entry of log.read(track.doc, { fromSeq: track.watermark + 1, toSeq })) {
        if (!live(track)) return
        if (entry.seq > track.watermark && !track.ahead.has(entry.seq)) applyEntry(track, entry.seq, entry.update)
      }
      passTo(track, toSeq)
    }
    track.catching = track.catching.then(read).catch((err: unknown) => {
      logger.warn({ err, doc: track.doc }, 'bus: reading missed updates from the log failed; the next heads repair retries')
    })
    return track.catching
  }

  const scheduleGapRepair = (track: Track): void => {
    if (track.gapTimer !== undefined) return
    track.gapTimer = setTimeout(() => {
      track.gapTimer = undefined
      if (!live(track) || track.ahead.size === 0) return
      metrics.busGapRepairs.inc()
      void catchUp(track, Math.min(...track.ahead) - 1)
    }, settings.gapRepairDelayMs)
    track.gapTimer.unref()
  }

  const receiveUpdate = (doc: DocName, seq: number, update: Uint8Array): void => {
    const track = tracks.get(doc)
    if (track === undefined) return
    if (track.room === undefined) {
      if (track.buffer.length < maxBuffered) track.buffer.push({ seq, update })
      return
    }
    if (seq <= track.watermark || track.ahead.has(seq)) {
      metrics.busDuplicates.inc()
      return
    }
    applyEntry(track, seq, update)
    if (track.ahead.size > 0) scheduleGapRepair(track)
  }

  const receive = (from: string, message: BusMessage): void => {
    metrics.busReceived.inc({ kind: message.kind })
    awareness.heard(from)
    if (message.kind === 'update') receiveUpdate(message.doc as DocName, message.seq, message.update)
    else if (message.kind === 'notice') {
      const track = tracks.get(message.doc as DocName)
      if (track !== undefined && live(track)) track.room?.broadcast(message.message)
    } else awareness.receive(from, message)
  }

  const repair = async (): Promise<void> => {
    metrics.busRepairRuns.inc()
    for (const track of [...tracks.values()]) {
      if (!live(track)) continue
      try {
        const head = (await log.head(track.doc))?.headSeq ?? 0
        // Every local append with a seq up to `head` started before head() answered: once they have all
        // settled, the watermark includes them, and a room still behind is missing someone else's entries.
        await track.room?.appendTail
        if (head <= track.watermark || !live(track)) continue
        metrics.busRepairs.inc()
        logger.info({ doc: track.doc, seq: track.watermark, head }, 'bus: room behind the log; reading the missed updates')
        await catchUp(track, head)
      } catch (err) {
        logger.warn({ err, doc: track.doc }, 'bus: heads repair failed for a room')
      }
    }
  }

  const scheduleRepair = (): void => {
    if (stopped) return
    const ms = connected ? settings.repairIntervalMs : Math.max(1, Math.floor(settings.repairIntervalMs / 4))
    repairTimer = setTimeout(() => void repair().finally(scheduleRepair), ms)
    repairTimer.unref()
  }

  const events: RoomEvents = {
    async beforeLoad(doc) {
      if (stopped) return
      tracks.set(doc, { doc, room: undefined, watermark: 0, ahead: new Set(), buffer: [], gapTimer: undefined, catching: Promise.resolve() })
      await bus.subscribe(doc).catch(() => undefined)
    },
    loaded(room) {
      const track = tracks.get(room.name)
      if (track === undefined || track.room !== undefined) return
      track.room = room
      track.watermark = room.headSeq
      const buffered = track.buffer.splice(0)
      for (const { seq, update } of buffered) receiveUpdate(room.name, seq, update)
      if (buffered.length >= maxBuffered) void repair()
      awareness.opened(room)
    },
    unloaded(doc, room) {
      const track = tracks.get(doc)
      if (track === undefined || track.room !== room) return
      tracks.delete(doc)
      clearTimeout(track.gapTimer)
      if (room !== undefined) awareness.closed(room)
      void bus.unsubscribe(doc).catch(() => undefined)
    },
    broadcast(doc, message) {
      if (!stopped) void publish({ kind: 'notice', doc, message })
    },
  }

  return {
    events,
    async start(registry) {
      rooms = registry
      registry.onUpdate(({ doc, seq, update, ydoc }) => {
        const track = tracks.get(doc as DocName)
        if (track?.room?.ydoc === ydoc) mark(track, seq)
        void publish({ kind: 'update', doc, seq, update })
      })
      await bus.start({
        message: (from, message) => {
          try {
            receive(from, message)
          } catch (err) {
            logger.error({ err, from, kind: message.kind }, 'bus: a message from another instance failed')
          }
        },
        status: (up) => {
          metrics.busConnected.set(up ? 1 : 0)
          const back = up && !connected
          connected = up
          logger[up ? 'info' : 'warn']({ instance: bus.instanceId }, up ? 'bus connected' : 'bus disconnected; the heads repair runs more often')
          if (!back || stopped) return
          // Whatever was published while it was away is lost: compare heads now rather than at the next tick.
          void repair()
          awareness.queryAll()
        },
      })
      awareness.start()
      scheduleRepair()
    },
    repair,
    async stop() {
      stopped = true
      clearTimeout(repairTimer)
      for (const track of tracks.values()) clearTimeout(track.gapTimer)
      await awareness.stop()
    },
  }
}

/** Options with undefined values left out, so that they do not override the defaults. */
const definedOnly = <T extends object>(options: T): Partial<T> =>
  Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>
