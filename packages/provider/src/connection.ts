import { CloseCode, isAuthClose } from '@rota/protocol'
import { backoffDelay, type BackoffOptions } from './backoff.ts'

/**
 * What a UI shows about the link to the server:
 * - `connecting`: a WebSocket is being opened;
 * - `connected`: the WebSocket is open (see `synced` for "initial exchange done");
 * - `offline`: no connection; `nextDelay` says when the next attempt is due (null: none planned,
 *   e.g. after `disconnect()` or when `maxAttempts` ran out);
 * - `auth-failed`: the server refused the token (close 4401/4403); no retry until `setToken()`.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'offline' | 'auth-failed'

export interface ConnectionState {
  status: ConnectionStatus
  /** Failed attempts since the last connection that completed its initial sync. */
  attempt: number
  /** Delay (ms) of the retry now scheduled, or null when none is. */
  nextDelay: number | null
  /** Close code of the connection that ended last; null when we closed it ourselves (timeout, dead link). */
  closeCode: number | null
  /** Whether the provider means to be connected; false after `disconnect()` and after a final refusal. */
  active: boolean
}

export type ConnectionEvent =
  /** An attempt starts: a WebSocket is being opened. */
  | { type: 'connect' }
  | { type: 'open' }
  /** The first sync step 2 of this connection arrived: the attempt counts as a success. */
  | { type: 'synced' }
  /** The socket ended: closed by the server or network (`code`) or dropped by us (`code: null`). */
  | { type: 'closed'; code: number | null }
  /** The application asked to stay offline. */
  | { type: 'stop' }
  /** Forget earlier failures (a new token, the network came back). */
  | { type: 'reset' }

export const initialConnection: ConnectionState = {
  status: 'offline',
  attempt: 0,
  nextDelay: null,
  closeCode: null,
  active: false,
}

/** Close codes in the 44xx range after which trying again can succeed. */
const retryableRefusals = new Set<number>([CloseCode.AuthTimeout, CloseCode.TooManyConnections, CloseCode.RateLimited])

/**
 * True when the server's decision cannot change by retrying (4400–4499, the HTTP 4xx mirror, as
 * y-websocket also assumes), except the codes that mean "not now" (rate limits, auth timeout).
 */
export const isFinalClose = (code: number): boolean => code >= 4400 && code < 4500 && !retryableRefusals.has(code)

/** The status state machine: a pure function, so every transition is testable without sockets. */
export const nextConnection = (
  state: ConnectionState,
  event: ConnectionEvent,
  backoff: BackoffOptions,
  random: () => number = Math.random,
): ConnectionState => {
  switch (event.type) {
    case 'connect':
      return { ...state, status: 'connecting', nextDelay: null, active: true }
    case 'open':
      return { ...state, status: 'connected', nextDelay: null }
    case 'synced':
      return { ...state, attempt: 0 }
    case 'reset':
      return { ...state, attempt: 0, closeCode: null }
    case 'stop':
      return { ...state, status: state.status === 'auth-failed' ? 'auth-failed' : 'offline', nextDelay: null, active: false }
    case 'closed': {
      const closed = { ...state, closeCode: event.code, nextDelay: null }
      if (!state.active) return { ...closed, status: state.status === 'auth-failed' ? 'auth-failed' : 'offline' }
      if (event.code !== null && isAuthClose(event.code)) return { ...closed, status: 'auth-failed', active: false }
      if (event.code !== null && isFinalClose(event.code)) return { ...closed, status: 'offline', active: false }
      const attempt = state.attempt + 1
      if (attempt > backoff.maxAttempts) return { ...closed, status: 'offline', attempt, active: false }
      return { ...closed, status: 'offline', attempt, nextDelay: backoffDelay(attempt, backoff, random) }
    }
  }
}
