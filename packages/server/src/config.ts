import { defaultAwarenessLimits } from '@rota/auth'
import type { Limits } from './types.ts'

export const defaultLimits: Limits = {
  maxMessageSize: 8 * 1024 * 1024,
  maxConnectionsPerAddress: 256,
  messagesPerSecond: 200,
  messageBurst: 2000,
  maxDocNameLength: 255,
  authTimeoutMs: 10_000,
  maxBodySize: 8 * 1024 * 1024,
  awarenessPerSecond: defaultAwarenessLimits.perSecond,
  awarenessBurst: defaultAwarenessLimits.burst,
  maxAwarenessStateBytes: defaultAwarenessLimits.maxStateBytes,
  maxAwarenessClients: defaultAwarenessLimits.maxClientsPerMessage,
  maxPendingAuth: 256,
}

export const defaultCompressionThreshold = 1024
export const defaultRoomIdleMs = 30_000
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
  return resolved
}
