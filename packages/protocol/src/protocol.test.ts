import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { messageAuth, messageAwareness, messageQueryAwareness, messageSync } from 'y-websocket'
import {
  CloseCode,
  MessageType,
  encodeDurable,
  isAuthClose,
  isCoveredBy,
  isRotaMessage,
  mergeClocks,
  messageTypeName,
  readConflictsNotice,
  readInboxNotice,
  readDurable,
  writeConflictsNotice,
  writeInboxNotice,
} from './index.ts'

describe('message types', () => {
  it('match what stock y-websocket sends', () => {
    expect([MessageType.Sync, MessageType.Awareness, MessageType.Auth, MessageType.QueryAwareness]).toEqual([
      messageSync,
      messageAwareness,
      messageAuth,
      messageQueryAwareness,
    ])
    expect(messageTypeName(1)).toBe('Awareness')
    expect(messageTypeName(77)).toBe('Unknown')
  })

  it('tell Rota\'s types (100 and up, however long their varuint) from y-websocket\'s', () => {
    const typed = (type: number) => {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, type)
      encoding.writeVarString(encoder, 'payload')
      return encoding.toUint8Array(encoder)
    }
    for (const type of [0, 1, 2, 3, 99]) expect(isRotaMessage(typed(type)), `type ${type}`).toBe(false)
    for (const type of [100, 101, 102, 127, 128, 300, 2 ** 20]) expect(isRotaMessage(typed(type)), `type ${type}`).toBe(true)
    expect(isRotaMessage(encodeDurable(new Map()))).toBe(true)
    expect(isRotaMessage(new Uint8Array())).toBe(false)
  })
})

describe('durable acknowledgement', () => {
  it('has a pinned byte layout', () => {
    // type 100, two entries, client 1 clock 5, client 300 (varuint 0xac 0x02) clock 0
    const bytes = encodeDurable(new Map([[1, 5], [300, 0]]))
    expect([...bytes]).toEqual([100, 2, 1, 5, 0xac, 0x02, 0])
  })

  it('round-trips and its payload is a Yjs state vector', () => {
    const doc = new Y.Doc()
    doc.getMap('m').set('k', 'v')
    const sv = Y.decodeStateVector(Y.encodeStateVector(doc))
    const bytes = encodeDurable(sv)
    const decoder = decoding.createDecoder(bytes)
    expect(decoding.readVarUint(decoder)).toBe(MessageType.RotaDurable)
    expect(readDurable(decoder)).toEqual(sv)
    expect(Y.decodeStateVector(bytes.subarray(1))).toEqual(sv)
  })

  it('decides coverage per client', () => {
    const local = new Map([[1, 5], [2, 3]])
    expect(isCoveredBy(local, new Map([[1, 5], [2, 3], [9, 1]]))).toBe(true)
    expect(isCoveredBy(local, new Map([[1, 5]]))).toBe(false)
    expect(isCoveredBy(local, mergeClocks(new Map([[1, 2]]), new Map([[1, 6], [2, 3]])))).toBe(true)
    expect(mergeClocks(new Map([[1, 9]]), new Map([[1, 6]])).get(1)).toBe(9)
  })
})

describe('conflicts notice', () => {
  it('round-trips and rejects a wrong shape', () => {
    const encoder = encoding.createEncoder()
    writeConflictsNotice(encoder, { open: 2, changed: ['c1'] })
    const decoder = decoding.createDecoder(encoding.toUint8Array(encoder))
    expect(decoding.readVarUint(decoder)).toBe(MessageType.RotaConflicts)
    expect(readConflictsNotice(decoder)).toEqual({ open: 2, changed: ['c1'] })

    const bad = encoding.createEncoder()
    encoding.writeVarString(bad, '{"open":"x"}')
    expect(() => readConflictsNotice(decoding.createDecoder(encoding.toUint8Array(bad)))).toThrow(TypeError)
  })
})

describe('inbox notice', () => {
  it('round-trips, is pinned to type 103 and rejects a wrong shape', () => {
    const encoder = encoding.createEncoder()
    writeInboxNotice(encoder, { recipients: ['ana'], reason: 'published' })
    const bytes = encoding.toUint8Array(encoder)
    // 103 as one varuint byte, then the varString.
    expect(bytes[0]).toBe(103)
    const decoder = decoding.createDecoder(bytes)
    expect(decoding.readVarUint(decoder)).toBe(MessageType.RotaInbox)
    expect(readInboxNotice(decoder)).toEqual({ recipients: ['ana'], reason: 'published' })
    expect(isRotaMessage(bytes)).toBe(true)

    const bad = encoding.createEncoder()
    encoding.writeVarString(bad, '{"recipients":"ana"}')
    expect(() => readInboxNotice(decoding.createDecoder(encoding.toUint8Array(bad)))).toThrow(TypeError)
  })
})

describe('close codes', () => {
  it('mark auth failures as final for the token', () => {
    expect(isAuthClose(CloseCode.Unauthorized)).toBe(true)
    expect(isAuthClose(CloseCode.GoingAway)).toBe(false)
  })
})
