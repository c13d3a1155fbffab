import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { MessageType, encodeDurable } from '@rota/protocol'

/**
 * A WebSocket double for timer tests: the test plays the server (open, send, close) while fake
 * timers drive the provider. Socket-level behaviour against a real server is covered by the
 * integration tests; this one exists so that delays can be asserted to the millisecond.
 */
export class FakeSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  static instances: FakeSocket[] = []

  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3
  readyState = 0
  binaryType = 'blob'
  sent: Uint8Array[] = []
  onopen: (() => void) | null = null
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null

  constructor(readonly url: string) {
    FakeSocket.instances.push(this)
  }

  static get last(): FakeSocket {
    const socket = FakeSocket.instances.at(-1)
    if (socket === undefined) throw new Error('no socket was opened')
    return socket
  }

  send(data: Uint8Array): void {
    this.sent.push(new Uint8Array(data))
  }

  close(): void {
    this.readyState = FakeSocket.CLOSED
  }

  serverOpen(): void {
    this.readyState = FakeSocket.OPEN
    this.onopen?.()
  }

  serverSend(message: Uint8Array): void {
    const copy = new Uint8Array(message)
    this.onmessage?.({ data: copy.buffer })
  }

  /** Answers like a server holding `serverDoc`: sync step 2 for the client's state vector. */
  serverSyncStep2(serverDoc = new Y.Doc()): void {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeSyncStep2(encoder, serverDoc)
    this.serverSend(encoding.toUint8Array(encoder))
  }

  serverDurable(clocks: Map<number, number>): void {
    this.serverSend(encodeDurable(clocks))
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = FakeSocket.CLOSED
    this.onclose?.({ code, reason })
  }
}
