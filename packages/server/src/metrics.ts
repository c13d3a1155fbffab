import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { LogObserver } from '@rota/log'

/** Something that can report the bytes its socket moved since it was last asked (a connection). */
export interface WireSource {
  countWire(): void
}

/**
 * Per-message counts kept as plain numbers: a labelled prom-client `inc` hashes its labels on every call,
 * which was a measurable share of the cost of relaying an edit. The counters take these over when scraped.
 */
interface Tally {
  messagesIn: Map<string, number>
  messagesOut: Map<string, number>
  bytes: { payloadIn: number; payloadOut: number; wireIn: number; wireOut: number }
  /** Open connections: their TCP byte counts are read at scrape time rather than per message. */
  wireSources: Set<WireSource>
}

export const countMessage = (counts: Map<string, number>, type: string): void => {
  counts.set(type, (counts.get(type) ?? 0) + 1)
}

const secondsBuckets = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/**
 * The server's Prometheus metrics, on their own registry so several servers can share a
 * process (tests). Create it before the log to pass `logObserver` to the backend.
 */
export const createMetrics = (options: { defaultMetrics?: boolean } = {}) => {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const tally: Tally = {
    messagesIn: new Map(),
    messagesOut: new Map(),
    bytes: { payloadIn: 0, payloadOut: 0, wireIn: 0, wireOut: 0 },
    wireSources: new Set(),
  }
  const metrics = {
    tally,
    registry,
    connections: new Gauge({ name: 'rota_connections', help: 'Open WebSocket connections', registers }),
    authenticating: new Gauge({
      name: 'rota_connections_authenticating',
      help: 'WebSocket connections whose authentication has not finished',
      registers,
    }),
    documents: new Gauge({ name: 'rota_documents_open', help: 'Documents loaded in memory', registers }),
    messages: new Counter({
      name: 'rota_messages_total',
      help: 'WebSocket messages by direction and protocol type',
      labelNames: ['direction', 'type'] as const,
      registers,
      collect() {
        for (const [direction, counts] of [['in', tally.messagesIn], ['out', tally.messagesOut]] as const) {
          for (const [type, count] of counts) if (count > 0) this.inc({ direction, type }, count)
          counts.clear()
        }
      },
    }),
    bytes: new Counter({
      name: 'rota_ws_bytes_total',
      help: 'WebSocket bytes by direction; layer=payload before compression, layer=wire on the socket',
      labelNames: ['direction', 'layer'] as const,
      registers,
      collect() {
        for (const source of tally.wireSources) source.countWire()
        const { bytes } = tally
        const counts = [['in', 'payload', bytes.payloadIn], ['out', 'payload', bytes.payloadOut], ['in', 'wire', bytes.wireIn], ['out', 'wire', bytes.wireOut]] as const
        for (const [direction, layer, count] of counts) if (count > 0) this.inc({ direction, layer }, count)
        tally.bytes = { payloadIn: 0, payloadOut: 0, wireIn: 0, wireOut: 0 }
      },
    }),
    applySeconds: new Histogram({
      name: 'rota_update_apply_seconds',
      help: 'Time to apply an update to the room document',
      buckets: secondsBuckets,
      registers,
    }),
    appendSeconds: new Histogram({
      name: 'rota_log_append_seconds',
      help: 'Time from append to durable',
      buckets: secondsBuckets,
      registers,
    }),
    batchEntries: new Histogram({
      name: 'rota_log_batch_entries',
      help: 'Entries per group commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    }),
    logErrors: new Counter({ name: 'rota_log_background_errors_total', help: 'Failed background log work (checkpoints, retention)', registers }),
    checkpoints: new Counter({ name: 'rota_log_checkpoints_total', help: 'Checkpoints written by the log', registers }),
    docsLoaded: new Counter({ name: 'rota_documents_loaded_total', help: 'Documents loaded from the log', registers }),
    docsUnloaded: new Counter({ name: 'rota_documents_unloaded_total', help: 'Documents unloaded after idling', registers }),
    docsHibernated: new Counter({
      name: 'rota_documents_hibernated_total',
      help: 'Open documents whose Y.Doc was dropped for their encoded state after nobody used them for roomHibernateMs',
      registers,
    }),
    hibernating: new Gauge({ name: 'rota_documents_hibernating', help: 'Open documents held as encoded state only (at the last sweep)', registers }),
    docsReloaded: new Counter({
      name: 'rota_documents_reloaded_total',
      help: 'Documents dropped and reloaded from the log after an update failed half-applied',
      registers,
    }),
    loadSeconds: new Histogram({
      name: 'rota_document_load_seconds',
      help: 'Time to load a document from the log',
      buckets: secondsBuckets,
      registers,
    }),
    rejected: new Counter({
      name: 'rota_messages_rejected_total',
      help: 'Messages, updates and connections rejected, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    awarenessRejected: new Counter({
      name: 'rota_awareness_rejected_total',
      help: 'Awareness messages refused, by reason (flood, invalid, foreign_client)',
      labelNames: ['reason'] as const,
      registers,
    }),
    slowReaders: new Counter({
      name: 'rota_slow_readers_closed_total',
      help: 'WebSocket connections closed (4413) because more than maxQueuedBytes waited to be written to them',
      registers,
    }),
    collapsedReplies: new Counter({
      name: 'rota_replies_collapsed_total',
      help: 'Repeated SyncStep1 / QueryAwareness requests answered by one later reply, their earlier reply still unwritten',
      labelNames: ['kind'] as const,
      registers,
    }),
    httpRefused: new Counter({
      name: 'rota_http_connections_refused_total',
      help: 'HTTP connections closed on arrival: their address had maxUnfinishedRequestsPerAddress requests unfinished',
      registers,
    }),
    httpResponses: new Counter({
      name: 'rota_http_responses_total',
      help: 'HTTP responses by status class',
      labelNames: ['status'] as const,
      registers,
    }),
    updates: new Counter({
      name: 'rota_updates_total',
      help: 'Updates appended, by origin',
      labelNames: ['origin'] as const,
      registers,
    }),
    // The bus between instances (replication.ts); zero on a single instance.
    busConnected: new Gauge({ name: 'rota_bus_connected', help: 'Whether the bus between instances is connected (1) or not (0)', registers }),
    busPublished: new Counter({
      name: 'rota_bus_published_total',
      help: 'Messages published on the bus, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    busPublishFailures: new Counter({
      name: 'rota_bus_publish_failures_total',
      help: 'Messages the bus could not take (down); the heads repair delivers the updates among them',
      registers,
    }),
    busReceived: new Counter({
      name: 'rota_bus_received_total',
      help: 'Messages received from other instances, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    busDuplicates: new Counter({ name: 'rota_bus_duplicates_total', help: 'Bus updates dropped because the room held their seq already', registers }),
    busGapRepairs: new Counter({
      name: 'rota_bus_gap_repairs_total',
      help: 'Seq gaps in what the bus delivered, filled from the log',
      registers,
    }),
    busRepairRuns: new Counter({ name: 'rota_bus_heads_repair_runs_total', help: 'Comparisons of every open room head with the log head', registers }),
    busRepairs: new Counter({
      name: 'rota_bus_heads_repairs_total',
      help: 'Rooms found behind the log by a heads comparison and caught up from it',
      registers,
    }),
    busPeers: new Gauge({ name: 'rota_bus_peers', help: 'Other instances heard from within the peer timeout', registers }),
  }
  const logObserver: LogObserver = {
    onBatch: ({ entries }) => metrics.batchEntries.observe(entries),
    onCheckpoint: () => metrics.checkpoints.inc(),
    onError: () => metrics.logErrors.inc(),
  }
  return { ...metrics, logObserver }
}

export type ServerMetrics = ReturnType<typeof createMetrics>
