import { defaultAwarenessLimits } from '@rota/auth'
import { maxDocNameBytes } from '@rota/protocol'
import type { Limits } from './types.ts'

export const defaultLimits: Limits = {
  maxMessageSize: 8 * 1024 * 1024,
  maxConnectionsPerAddress: 256,
  messagesPerSecond: 200,
  messageBurst: 2000,
  maxDocNameLength: maxDocNameBytes,
  authTimeoutMs: 10_000,
  maxBodySize: 8 * 1024 * 1024,
  awarenessPerSecond: defaultAwarenessLimits.perSecond,
  awarenessBurst: defaultAwarenessLimits.burst,
  maxAwarenessStateBytes: defaultAwarenessLimits.maxStateBytes,
  maxAwarenessClients: defaultAwarenessLimits.maxClientsPerMessage,
  maxPendingAuth: 256,
  maxQueuedBytes: 4 * 1024 * 1024,
  closeTimeoutMs: 3000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5000,
  connectionTimeoutMs: 60_000,
  maxUnfinishedRequestsPerAddress: 64,
}

export const defaultCompressionThreshold = 1024

/** Where the server listens when `host` is not given: loopback, so nothing is exposed by accident. */
export const defaultHost = '127.0.0.1'
/** The pino level of the server's log lines when `logger` is not given. */
export const defaultLogLevel = 'info'

/**
 * How clients may compress what they send (permessage-deflate's client context takeover):
 * - `stream`: against everything they sent before; a keystroke-sized edit costs ~30 B on the wire instead of
 *   ~80 B, and the server inflates every frame.
 * - `large-messages`: each message on its own (`client_no_context_takeover`), which makes `ws`-based clients skip
 *   compression for messages under their threshold: ~2.7× the bytes per small edit, 17–45 % less server CPU
 *   per relayed edit and 20–50 % less on Node clients in the benchmark (docs/protocol.md, Compression).
 */
export const clientCompressionModes = ['stream', 'large-messages'] as const
export type ClientCompression = (typeof clientCompressionModes)[number]
export const defaultClientCompression: ClientCompression = 'stream'
export const defaultRoomIdleMs = 30_000

/**
 * An open document nobody edited or read for between this and twice this long keeps only its encoded state
 * (room.ts): about a tenth of a Y.Doc's memory; the next update or read builds it again. 0: never.
 */
export const defaultRoomHibernateMs = 15_000
export const defaultPingIntervalMs = 30_000

/**
 * ws drops a frame above this hard cap itself (close 1009 without a reason); below it the
 * connection reads the message and closes with a reason when it exceeds maxMessageSize.
 */
export const hardPayloadCap = (limits: Limits): number => limits.maxMessageSize * 2 + 1024

export const resolveLimits = (limits: Partial<Limits> = {}): Limits => {
  const resolved = { ...defaultLimits, ...limits }
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`limits.${name} must be a positive number, got ${value}`)
  }
  // Node refuses a header timeout longer than the request timeout.
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) {
    throw new RangeError(`limits.headersTimeoutMs (${resolved.headersTimeoutMs}) must not exceed limits.requestTimeoutMs (${resolved.requestTimeoutMs})`)
  }
  return resolved
}
