/**
 * WebSocket close codes the server uses. 1000–1015 are the standard's; 4000–4999 are
 * for applications. Clients may rely on these numbers: they are part of the protocol.
 */
export const CloseCode = {
  Normal: 1000,
  /** Server shutting down: reconnect later. */
  GoingAway: 1001,
  /** Not a y-websocket message, or one that does not decode. */
  ProtocolError: 1002,
  /** The message broke a rule (e.g. an update that Yjs cannot apply). */
  PolicyViolation: 1008,
  /** A message larger than the server's maximum. */
  MessageTooBig: 1009,
  InternalError: 1011,
  /**
   * The server cannot take this update yet, and will soon: with several instances, this one has not caught up
   * with what another stored, and the update builds on it. Reconnect; the sync sends it again.
   */
  TryAgainLater: 1013,
  /** Missing, expired or invalid token: do not retry with the same token. */
  Unauthorized: 4401,
  /** The token is valid but may not open this document. */
  Forbidden: 4403,
  /** The document name is not acceptable (traversal, NUL, too long). */
  BadDocumentName: 4400,
  /** More connections from one address than the server allows (`maxConnectionsPerAddress`): retry later. */
  TooManyConnections: 4409,
  /** @deprecated The same code under its first name, kept for clients that import it: use `TooManyConnections`. */
  TooManyDocuments: 4409,
  /** Message rate above the per-connection limit. */
  RateLimited: 4429,
  /** Authentication did not complete in time. */
  AuthTimeout: 4408,
  /**
   * More bytes were waiting to be written to the connection than the server keeps for one client: it
   * reads too slowly (or not at all). Reconnect; the sync brings the client up to date.
   */
  SlowReader: 4413,
} as const

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/** Close codes after which a client should not retry with the same credentials. */
export const isAuthClose = (code: number): boolean => code === CloseCode.Unauthorized || code === CloseCode.Forbidden
