/**
 * Sortable binary keys. Byte order equals (document, sequence) order, so one LevelDB range scan
 * reads a document's entries in sequence order and documents never interleave:
 *
 *   entry       'e' · utf8(doc) · 0x00 · seq
 *   checkpoint  'c' · utf8(doc) · 0x00 · seq
 *   removal     'r' · utf8(doc) · 0x00 · seq       (the head when the document was removed)
 *   document    'd' · utf8(doc)                    (one record per document, for listDocs and numbering)
 *   format      'm' · 'format'
 *
 * Names never contain NUL (validated), and 0x00 sorts below every byte a name can hold, so "a"'s
 * keys sort before "a/b"'s. A sequence number is a length byte followed by that many big-endian
 * bytes: shorter numbers are smaller, so byte order matches numeric order.
 */

export const Tag = {
  Entry: 0x65, // 'e'
  Checkpoint: 0x63, // 'c'
  Removal: 0x72, // 'r'
  Document: 0x64, // 'd'
  Meta: 0x6d, // 'm'
} as const

export type Tag = (typeof Tag)[keyof typeof Tag]

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The key bytes shared by all of one document's keys of one kind: tag · utf8(doc) · 0x00. */
export function docPrefix(tag: Tag, doc: string): Uint8Array {
  const name = utf8.encode(doc)
  const prefix = new Uint8Array(name.length + 2)
  prefix[0] = tag
  prefix.set(name, 1)
  prefix[name.length + 1] = 0x00
  return prefix
}

const MAX_SEQ_BYTES = 7

export function seqKey(prefix: Uint8Array, seq: number): Uint8Array {
  let length = 0
  for (let rest = seq; rest > 0; rest = Math.floor(rest / 256)) length++
  if (length > MAX_SEQ_BYTES) throw new RangeError(`seq ${seq} out of range`)
  const key = new Uint8Array(prefix.length + 1 + length)
  key.set(prefix)
  key[prefix.length] = length
  for (let i = length, rest = seq; i > 0; i--, rest = Math.floor(rest / 256)) key[prefix.length + i] = rest % 256
  return key
}

export function decodeSeq(key: Uint8Array, prefixLength: number): number {
  const length = key[prefixLength] ?? 0
  let seq = 0
  for (let i = 1; i <= length; i++) seq = seq * 256 + key[prefixLength + i]!
  return seq
}

/** Bounds of every key under `prefix`: [prefix, prefix · 0xFF). */
export function prefixBounds(prefix: Uint8Array): { gte: Uint8Array; lt: Uint8Array } {
  const lt = new Uint8Array(prefix.length + 1)
  lt.set(prefix)
  lt[prefix.length] = 0xff
  return { gte: prefix, lt }
}

export function documentKey(doc: string): Uint8Array {
  const name = utf8.encode(doc)
  const key = new Uint8Array(name.length + 1)
  key[0] = Tag.Document
  key.set(name, 1)
  return key
}

export function documentName(key: Uint8Array): string {
  return fromUtf8.decode(key.subarray(1))
}

/** Bounds of the document records whose names start with `prefix` (UTF-8 never holds 0xFF). */
export function documentBounds(prefix: string): { gte: Uint8Array; lt: Uint8Array } {
  const gte = documentKey(prefix)
  const lt = new Uint8Array(gte.length + 1)
  lt.set(gte)
  lt[gte.length] = 0xff
  return { gte, lt }
}

export const FORMAT_KEY = new Uint8Array([Tag.Meta, ...utf8.encode('format')])
