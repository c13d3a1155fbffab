import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import { MessageType, writeConflictsNotice } from '@rota/protocol'
import { cleanupAfterEach, connectRaw, startTestServer, waitFor, whenSynced, type TestClient } from './testing.ts'
import type { Extension, Rooms } from './types.ts'

const { cleanup, track } = cleanupAfterEach()
afterEach(() => {
  vi.restoreAllMocks()
})

const typeOf = (message: Uint8Array): number => decoding.readVarUint(decoding.createDecoder(message))

/** A stock WebsocketProvider, as any Yjs app has it, that records the type of every message it receives. */
const stockClient = (wsUrl: string, docName: string): TestClient & { types: number[] } => {
  const types: number[] = []
  class Recording extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      this.on('message', (data: Buffer) => types.push(typeOf(new Uint8Array(data))))
    }
  }
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: Recording as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  })
  return {
    doc, provider, types,
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

const encoded = (type: number, write: (encoder: encoding.Encoder) => void): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, type)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

describe('Rota message types go only to connections that asked for them (ack=1)', () => {
  it('an extension\'s broadcast of Rota messages reaches an ack=1 client, never a stock y-websocket client', async () => {
    const logged = [vi.spyOn(console, 'error'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'log')]
    let rooms: Rooms | undefined
    const capture: Extension = async (_app, context) => {
      rooms = context.rooms
    }
    const server = track(await startTestServer({ extensions: [capture] }))
    const stock = track(stockClient(server.wsUrl, 'ward'))
    await whenSynced(stock)
    const rota = await connectRaw(server, 'ward?ack=1')
    cleanup.push(() => rota.ws.close())
    await rota.next((m) => m[0] === MessageType.Sync)

    // A conflicts notice, and types the stock client has never heard of (one a two-byte varuint).
    rooms!.broadcast('ward', encoded(MessageType.RotaConflicts, (e) => writeConflictsNotice(e, { open: 1, changed: ['c1'] })))
    rooms!.broadcast('ward', encoded(150, (e) => encoding.writeVarString(e, 'later extension')))
    // Then an edit, which both must get: once the stock client has it, anything sent before it has arrived too.
    await rooms!.change('ward', { actor: 'test', role: 'system', origin: 'resolver' }, (doc) => doc.getMap('m').set('k', 1))
    await waitFor(() => stock.doc.getMap('m').get('k') === 1, 5000, 'the edit at the stock client')

    const rotaTypes = rota.messages.map(typeOf)
    expect(rotaTypes).toEqual(expect.arrayContaining([MessageType.RotaConflicts, 150]))
    expect(stock.types.length).toBeGreaterThan(0)
    expect(stock.types.filter((type) => type >= 100)).toEqual([])
    for (const spy of logged) expect(spy).not.toHaveBeenCalled()
  })
})
