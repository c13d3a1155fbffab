/** Seeded generators of hostile y-websocket messages: mutations of real traffic, crafted updates, noise. */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { craftUpdate } from './craft.ts'

/** mulberry32: small, fast, seedable; a failing run prints its seed. */
export const createRandom = (seed: number) => {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (max: number): number => Math.floor(next() * max)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const bytes = (length: number): Uint8Array => Uint8Array.from({ length }, () => int(256))
  return { next, int, pick, bytes }
}

export type Random = ReturnType<typeof createRandom>

const interesting = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 2, 3, 100, 101]

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** Byte-level mutations (AFL-style): flips, boundary values, cuts, insertions, duplications, varint bombs. */
export const mutateBytes = (random: Random, input: Uint8Array, other: Uint8Array): Uint8Array => {
  const bytes = input.slice()
  const at = (): number => random.int(Math.max(1, bytes.length))
  switch (random.int(9)) {
    case 0: {
      for (let i = 0, n = 1 + random.int(4); i < n && bytes.length > 0; i++) bytes[at()]! ^= 1 << random.int(8)
      return bytes
    }
    case 1: {
      if (bytes.length > 0) bytes[at()] = random.pick(interesting)
      return bytes
    }
    case 2:
      return bytes.subarray(0, at())
    case 3: {
      const i = at()
      return concat(bytes.subarray(0, i), random.bytes(1 + random.int(16)), bytes.subarray(i))
    }
    case 4: {
      const i = at()
      return concat(bytes.subarray(0, i), bytes.subarray(i + 1 + random.int(16)))
    }
    case 5: {
      const i = at()
      const chunk = bytes.subarray(i, i + 1 + random.int(32))
      return concat(bytes.subarray(0, i), chunk, chunk, bytes.subarray(i))
    }
    case 6:
      return concat(bytes.subarray(0, at()), other.subarray(random.int(Math.max(1, other.length))))
    case 7: {
      const i = at()
      return concat(bytes.subarray(0, i), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f), bytes.subarray(i + 1))
    }
    default: {
      for (let i = 0, n = 1 + random.int(8); i < n && bytes.length > 0; i++) bytes[at()] = random.int(256)
      return bytes
    }
  }
}

/** Splits a sync or awareness message into its envelope and payload, when it has that shape. */
const payloadOf = (message: Uint8Array): { head: number[]; payload: Uint8Array } | undefined => {
  try {
    const decoder = decoding.createDecoder(message)
    const type = decoding.readVarUint(decoder)
    if (type === 0) {
      const subtype = decoding.readVarUint(decoder)
      return { head: [0, subtype], payload: decoding.readVarUint8Array(decoder) }
    }
    if (type === 1) return { head: [1], payload: decoding.readVarUint8Array(decoder) }
  } catch {
    return undefined
  }
  return undefined
}

export const envelope = (head: number[], payload: Uint8Array): Uint8Array => {
  const encoder = encoding.createEncoder()
  for (const n of head) encoding.writeVarUint(encoder, n)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** Mutates only the payload and re-wraps it correctly, so the message reaches the Yjs/awareness decoders. */
export const mutatePayload = (random: Random, message: Uint8Array, other: Uint8Array): Uint8Array => {
  const parts = payloadOf(message)
  if (parts === undefined) return mutateBytes(random, message, other)
  const head = random.next() < 0.1 ? [0, random.pick([0, 1, 2])] : parts.head
  return envelope(head, mutateBytes(random, parts.payload, payloadOf(other)?.payload ?? other))
}

/** Well-formed but hostile updates: forward references, clock bombs, subdocuments, dangling dependencies, foreign roots. */
export const craftedUpdates = (doc: Y.Doc, random: Random): Uint8Array[] => {
  const any = (...values: unknown[]) => new Y.ContentAny(values)
  const client = 1 + random.int(2 ** 30)
  const known = [...Y.decodeStateVector(Y.encodeStateVector(doc))]
  const [someClient, someClock] = known.length > 0 ? random.pick(known) : [client, 1]
  return [
    craftUpdate([{ client, clock: 0, items: [{ origin: Y.createID(client, 9), content: any('x') }, { parent: 'shifts', parentSub: 'k', content: any(1) }] }]),
    craftUpdate([{ client, clock: 2 ** 50, items: [{ parent: 'shifts', parentSub: 'k', content: any(1) }] }]),
    craftUpdate([{ client, clock: 0, items: [{ parent: 'shifts', parentSub: 'k', content: any() }] }]),
    craftUpdate([{ client, clock: 0, items: [{ parent: 'shifts', parentSub: 'sub', content: new Y.ContentDoc(new Y.Doc()) }] }]),
    craftUpdate([{ client, clock: 5, items: [{ parent: 'shifts', parentSub: 'gap', content: any(1) }] }]),
    craftUpdate([{ client, clock: 0, items: [{ origin: Y.createID(client + 1, 3), content: any(1) }] }]),
    craftUpdate([{ client, clock: 0, items: [{ parent: 'evil', parentSub: 'k', content: any('x'.repeat(random.int(2000))) }] }]),
    craftUpdate([{ client, clock: 0, items: [{ parent: Y.createID(someClient, Math.max(0, someClock - 1)), parentSub: 'assignee', content: any('mallory') }] }]),
    craftUpdate([], [{ client: someClient, clock: random.int(Math.max(1, someClock)), len: 1 + random.int(4) }]),
    craftUpdate([], [{ client: someClient, clock: 0, len: 2 ** 40 }]),
  ]
}
