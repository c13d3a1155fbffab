import * as decoding from 'lib0/decoding'

/**
 * Limits for awareness messages (presence: who is looking at which shift). A stock client sends its own
 * state, a few hundred bytes, a few times a second at most.
 */
export interface AwarenessLimits {
  /** Largest JSON state of one client, in bytes. */
  maxStateBytes: number
  /** Most client states in one message (a connection normally speaks for one client). */
  maxClientsPerMessage: number
  /** Sustained awareness messages per second per connection (token bucket refill). */
  perSecond: number
  /** Awareness messages a connection may send in a burst. */
  burst: number
}

export const defaultAwarenessLimits: AwarenessLimits = {
  maxStateBytes: 16 * 1024,
  maxClientsPerMessage: 8,
  perSecond: 20,
  burst: 60,
}

export interface AwarenessEntry {
  clientID: number
  clock: number
  /** Bytes of the JSON state; `null` (4 bytes) means the client left. */
  stateBytes: number
  removed: boolean
}

export type AwarenessCheck = { ok: true; entries: AwarenessEntry[] } | { ok: false; reason: string }

const textEncoder = new TextEncoder()

/**
 * Checks an awareness update (the payload of a y-websocket awareness message) before it is applied:
 * it must decode completely, hold at most `maxClientsPerMessage` states, each valid JSON of at most
 * `maxStateBytes`. Never throws.
 */
export const checkAwarenessUpdate = (update: Uint8Array, limits: Partial<AwarenessLimits> = {}): AwarenessCheck => {
  const { maxStateBytes, maxClientsPerMessage } = { ...defaultAwarenessLimits, ...limits }
  try {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    if (count > maxClientsPerMessage) return { ok: false, reason: `awareness message holds ${count} states, at most ${maxClientsPerMessage}` }
    const entries: AwarenessEntry[] = []
    for (let i = 0; i < count; i++) {
      const clientID = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const state = decoding.readVarString(decoder)
      const stateBytes = textEncoder.encode(state).length
      if (stateBytes > maxStateBytes) return { ok: false, reason: `awareness state of ${stateBytes} bytes, at most ${maxStateBytes}` }
      JSON.parse(state)
      entries.push({ clientID, clock, stateBytes, removed: state === 'null' })
    }
    if (decoding.hasContent(decoder)) return { ok: false, reason: 'awareness message has trailing bytes' }
    return { ok: true, entries }
  } catch (err) {
    return { ok: false, reason: `awareness message does not decode: ${(err as Error).message}` }
  }
}
