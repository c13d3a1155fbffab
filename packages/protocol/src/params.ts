/**
 * Query parameters a client may add to the y-websocket URL. Stock clients send them
 * through `WebsocketProvider`'s `params` option.
 */
export const UrlParam = {
  /** Bearer token (JWT). The y-websocket auth message is the other way to send it. */
  Token: 'token',
  /** `1` asks for RotaDurable acknowledgements; stock clients leave it out. */
  Ack: 'ack',
  /** ISO-8601 time at which the client made the edits it brings (offline sessions). */
  ClientTime: 'clientTime',
} as const
