import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { WebSocket, WebSocketServer } from 'ws'
import { startCountingProxy } from '../net/proxy.ts'
import { applyEdit, editToJsonPatch, type Edit } from '../workload/edits.ts'
import { readSchedule, writeSchedule } from '../workload/schedule.ts'
import type { ScheduleJSON } from '../workload/types.ts'
import { waitForQuiet } from './sync.ts'

export type FormatId = 'whole-json' | 'json-patch' | 'yjs-v1' | 'yjs-v2'

export const FORMAT_LABELS: Record<FormatId, string> = {
  'whole-json': 'whole schedule as JSON per edit',
  'json-patch': 'JSON Patch (RFC 6902) per edit',
  'yjs-v1': 'Yjs update v1 (y-protocols sync message)',
  'yjs-v2': 'Yjs update v2 (y-protocols sync message)',
}

/** The messages each format sends: the initial state, then one message per edit. */
export interface FormatMessages { initial: string | Uint8Array; edits: Array<string | Uint8Array> }

const syncUpdateMessage = (update: Uint8Array): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0) // y-websocket messageSync
  syncProtocol.writeUpdate(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** Encodes the same schedule and the same edits in every format, from one replica applying the edits in order. */
export const encodeFormats = (schedule: ScheduleJSON, edits: Edit[], clientID: number): Record<FormatId, FormatMessages> => {
  const doc = new Y.Doc()
  doc.clientID = clientID
  writeSchedule(doc, schedule)
  const out: Record<FormatId, FormatMessages> = {
    'whole-json': { initial: JSON.stringify(readSchedule(doc)), edits: [] },
    'json-patch': { initial: JSON.stringify(readSchedule(doc)), edits: [] },
    'yjs-v1': { initial: syncUpdateMessage(Y.encodeStateAsUpdate(doc)), edits: [] },
    'yjs-v2': { initial: syncUpdateMessage(Y.encodeStateAsUpdateV2(doc)), edits: [] },
  }
  const onV1 = (update: Uint8Array) => out['yjs-v1'].edits.push(syncUpdateMessage(update))
  const onV2 = (update: Uint8Array) => out['yjs-v2'].edits.push(syncUpdateMessage(update))
  doc.on('update', onV1)
  doc.on('updateV2', onV2)
  for (const edit of edits) {
    applyEdit(doc, edit)
    out['whole-json'].edits.push(JSON.stringify(readSchedule(doc)))
    out['json-patch'].edits.push(JSON.stringify(editToJsonPatch(edit)))
  }
  doc.destroy()
  if (out['yjs-v1'].edits.length !== edits.length) throw new Error('an edit did not produce exactly one update')
  return out
}

/** Wire bytes (client → server, WebSocket frames over TCP) of sending `messages`, with or without permessage-deflate. */
export interface WireBytes { initial: number; perEdit: number; edits: number }

/**
 * Sends the messages over a real WebSocket through the counting proxy to a sink server on 127.0.0.1 and counts what
 * crossed. Deflate compresses every message (threshold 0) with context takeover, ws's defaults otherwise.
 */
export const measureWire = async (messages: FormatMessages, deflate: boolean): Promise<WireBytes> => {
  const perMessageDeflate = deflate ? { threshold: 0 } : false
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  let received = 0
  server.on('connection', (socket) => socket.on('message', () => received++))
  const proxy = await startCountingProxy((server.address() as { port: number }).port)
  const client = new WebSocket(`ws://127.0.0.1:${proxy.port}`, { perMessageDeflate })
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve())
      client.once('error', reject)
    })
    const sendAll = async (batch: Array<string | Uint8Array>) => {
      const target = received + batch.length
      proxy.reset()
      for (const message of batch) client.send(message)
      while (received < target) await new Promise((resolve) => setTimeout(resolve, 5))
      await waitForQuiet(() => proxy.count().up + proxy.count().down, 30)
      return proxy.count().up + proxy.count().down
    }
    const initial = await sendAll([messages.initial])
    const edits = await sendAll(messages.edits)
    return { initial, edits, perEdit: edits / messages.edits.length }
  } finally {
    client.terminate()
    await proxy.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
