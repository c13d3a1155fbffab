import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { BusMessage } from '@rota/server'
import { decodeEnvelope, encodeEnvelope } from './envelope.ts'

const bytes = (message: Uint8Array) => [...message]

describe('bus envelope', () => {
  it('pins the bytes of an update: version, kind, from, doc, seq, update', () => {
    const message: BusMessage = { kind: 'update', doc: 'a/b', seq: 300, update: Uint8Array.from([0, 255]) }
    expect(bytes(encodeEnvelope('i1', message))).toEqual([1, 0, 2, 105, 49, 3, 97, 47, 98, 172, 2, 2, 0, 255])
  })

  it('pins the bytes of the instance-wide and the other document messages', () => {
    expect(bytes(encodeEnvelope('x', { kind: 'heartbeat' }))).toEqual([1, 4, 1, 120])
    expect(bytes(encodeEnvelope('x', { kind: 'leave' }))).toEqual([1, 5, 1, 120])
    expect(bytes(encodeEnvelope('x', { kind: 'query-awareness', doc: 'd' }))).toEqual([1, 2, 1, 120, 1, 100])
    expect(bytes(encodeEnvelope('x', { kind: 'awareness', doc: 'd', update: Uint8Array.from([7]) }))).toEqual([1, 1, 1, 120, 1, 100, 1, 7])
    expect(bytes(encodeEnvelope('x', { kind: 'notice', doc: 'd', message: Uint8Array.from([101]) }))).toEqual([1, 3, 1, 120, 1, 100, 1, 101])
  })

  it('decodes what it encodes, any message', () => {
    const doc = fc.string({ unit: 'grapheme', maxLength: 40 })
    const data = fc.uint8Array({ maxLength: 64 })
    const message: fc.Arbitrary<BusMessage> = fc.oneof(
      fc.record({ kind: fc.constant('update' as const), doc, seq: fc.nat(), update: data }),
      fc.record({ kind: fc.constant('awareness' as const), doc, update: data }),
      fc.record({ kind: fc.constant('notice' as const), doc, message: data }),
      fc.record({ kind: fc.constant('query-awareness' as const), doc }),
      fc.constant({ kind: 'heartbeat' as const }),
      fc.constant({ kind: 'leave' as const }),
    )
    fc.assert(fc.property(fc.string({ maxLength: 20 }), message, (from, m) => {
      expect(decodeEnvelope(encodeEnvelope(from, m))).toEqual({ from, message: m })
    }))
  })

  it('refuses another version, an unknown kind, truncated and trailing bytes, with a stable code', () => {
    const good = encodeEnvelope('x', { kind: 'query-awareness', doc: 'd' })
    for (const bad of [Uint8Array.from([2, ...good.slice(1)]), Uint8Array.from([1, 9, 1, 120]), good.slice(0, -1), Uint8Array.from([...good, 0])]) {
      expect(() => decodeEnvelope(bad)).toThrow(expect.objectContaining({ code: 'ROTA_BUS_BAD_ENVELOPE' }))
    }
  })
})
