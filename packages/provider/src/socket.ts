import type * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

type SocketOptions = NonNullable<ConstructorParameters<typeof WebsocketProvider>[3]>

/**
 * y-websocket's provider with its reconnect logic handed over to RotaProvider.
 *
 * y-websocket reconnects by itself: after every close it schedules `setupWS`, which opens a new
 * socket only while `shouldConnect` is true; and a 30 s watchdog closes silent sockets. RotaProvider
 * sets `shouldConnect = false` in the (synchronous) `connection-close` event, so those timers find
 * nothing to do, and calls `reopen()` when its own schedule says so. The watchdog is replaced by
 * RotaProvider's heartbeat (configurable window, active probes). Dropping or reopening a socket
 * keeps the BroadcastChannel subscription: other tabs keep syncing while the server is away.
 */
export class ControlledSocket extends WebsocketProvider {
  private keepBc = false

  constructor(serverUrl: string, roomname: string, doc: Y.Doc, options: SocketOptions) {
    super(serverUrl, roomname, doc, { ...options, connect: false })
    clearInterval(this._checkInterval)
  }

  /** Opens a new socket without re-announcing the document to other tabs. */
  reopen(): void {
    this.keepBc = this.bcconnected
    try {
      this.connect()
    } finally {
      this.keepBc = false
    }
  }

  /** Closes the socket as if the link died (emits `connection-close` with `null`), keeping tabs in sync. */
  drop(): void {
    this.keepBc = true
    try {
      super.disconnect()
    } finally {
      this.keepBc = false
    }
  }

  /** Sends an already encoded message on the open socket; false when there is none. */
  send(message: Uint8Array): boolean {
    const ws = this.ws
    if (ws === null || !this.wsconnected || ws.readyState !== ws.OPEN) return false
    ws.send(message)
    return true
  }

  override connectBc(): void {
    if (!this.keepBc) super.connectBc()
  }

  override disconnectBc(): void {
    if (!this.keepBc) super.disconnectBc()
  }
}
