import type { WebSocket } from 'ws'

/** A close reason must fit a control frame (123 bytes). */
const closeReason = (message: string): string => {
  const bytes = Buffer.from(message)
  return bytes.length <= 123 ? message : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '') + '...'
}

/**
 * Sends a close frame and gives the peer `timeoutMs` to answer it, then destroys the TCP socket. The frame
 * waits behind whatever is queued for the socket: a peer that stopped reading would otherwise hold that
 * memory (up to `maxQueuedBytes`) for ws's own close timeout of 30 s, and keep a shutdown waiting as long.
 */
export const closeWithin = (socket: WebSocket, code: number, reason: string, timeoutMs: number): void => {
  socket.close(code, closeReason(reason))
  if (socket.readyState === socket.CLOSED) return
  const timer = setTimeout(() => socket.terminate(), timeoutMs)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}
