/**
 * LevelDB's write-ahead log (`NNNNNN.log`), read and written here because LevelDB's own recovery is
 * silent about damage: unless opened with paranoid_checks (which classic-level does not expose), it
 * skips a record that fails its checksum together with the rest of its 32 KiB block, and takes a file
 * that ends early for a crash in mid-write. Opening checks the files first (`logDamage`), and the
 * repair rewrites a damaged one with every intact record and the intact operations of a damaged one
 * (`readOp`, `encodeBatch`, `encodeLog`; see wal-files.ts).
 *
 * Format (leveldb doc/log_format.md): 32 KiB blocks of physical records
 *   u32 masked crc32c(type · data) · u16 length · u8 type (1 full, 2 first, 3 middle, 4 last) · data
 * little-endian; a logical record (one write batch) longer than a block is split into first, middle…,
 * last fragments. Fewer than 7 bytes left at the end of a block are zero padding.
 */

const BLOCK = 32 * 1024
const HEADER = 7
const FULL = 1
const FIRST = 2
const MIDDLE = 3
const LAST = 4

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32C (Castagnoli), as LevelDB stores it: rotated and offset ("masked"). */
function maskedCrc(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  c = (c ^ 0xffffffff) >>> 0
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0
}

export interface LogRecord {
  /** A logical record: one write batch. */
  data: Uint8Array
  /** False when a fragment failed its checksum: the bytes are suspect (the repair keeps only what verifies). */
  intact: boolean
}

export interface LogScan {
  records: LogRecord[]
  /** Damaged or orphaned physical records: byte offset and reason, in file order. */
  damage: Array<{ offset: number; reason: string }>
  /** Where the last intact logical record starts (-1: none). Damage after it is a torn last write. */
  lastIntactAt: number
}

/**
 * Reads every record of a log file. A record that fails its checksum is kept as suspect: its data
 * runs as far as its length says if that leads to the end of the block or to a sound header, else
 * (a damaged length) to the next sound header in the block, where the scan goes on. LevelDB drops
 * the rest of the block instead. Zeroed space is skipped the same way.
 */
export function scanLog(bytes: Uint8Array): LogScan {
  const scan: LogScan = { records: [], damage: [], lastIntactAt: -1 }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const blockEndOf = (at: number): number => Math.min(bytes.length, (Math.floor(at / BLOCK) + 1) * BLOCK)
  const endOf = (at: number): number => at + HEADER + view.getUint16(at + 4, true)
  /** A physical record whose length fits its block and whose checksum matches starts at `at`. */
  const soundAt = (at: number): boolean =>
    at + HEADER <= blockEndOf(at) && endOf(at) <= blockEndOf(at) && maskedCrc(bytes, at + 6, endOf(at)) === view.getUint32(at, true)
  /** Where the scan goes on after damage at `at`: the next sound header in the block, or the next block. */
  const resync = (at: number): number => {
    const blockEnd = blockEndOf(at)
    for (let next = at + 1; next + HEADER <= blockEnd; next++) if (bytes[next + 6]! >= FULL && bytes[next + 6]! <= LAST && soundAt(next)) return next
    return blockEnd
  }
  let fragments: Uint8Array[] | undefined
  let startedAt = 0
  let intact = true
  const damaged = (offset: number, reason: string): void => {
    scan.damage.push({ offset, reason })
    fragments = undefined
  }
  const finish = (data: Uint8Array, at: number): void => {
    scan.records.push({ data, intact })
    if (intact) scan.lastIntactAt = at
  }
  let offset = 0
  while (offset + HEADER <= bytes.length) {
    const blockEnd = blockEndOf(offset)
    if (blockEnd - offset < HEADER) {
      offset = blockEnd
      continue
    }
    const length = view.getUint16(offset + 4, true)
    let type = bytes[offset + 6]!
    let end = offset + HEADER + length
    if (type === 0 && length === 0) {
      // LevelDB skips zeroed space silently: only a torn last write may leave it.
      damaged(offset, 'zeroed')
      offset = resync(offset)
      continue
    }
    const sound = end <= blockEnd && maskedCrc(bytes, offset + 6, end) === view.getUint32(offset, true)
    if (!sound) {
      const cutShort = blockEnd === bytes.length && end > bytes.length
      scan.damage.push({ offset, reason: end <= blockEnd ? 'checksum mismatch' : cutShort ? 'cut short' : 'bad record length' })
      // The length is taken as right if it leads to the end of the block or to a sound header; else the data runs to the next one.
      if (end > blockEnd || (blockEnd - end >= HEADER && !soundAt(end))) end = resync(offset)
      // So may the type be: one that does not fit is told by whether a record is open and the data fills the block.
      const fits = fragments === undefined ? type === FULL || type === FIRST : type === MIDDLE || type === LAST
      if (!fits) type = fragments === undefined ? (end === blockEnd ? FIRST : FULL) : end === blockEnd ? MIDDLE : LAST
    }
    const data = bytes.subarray(offset + HEADER, end)
    if (type === FULL || type === FIRST) {
      if (fragments !== undefined) damaged(startedAt, 'fragmented record without end')
      intact = sound
      if (type === FULL) finish(data, offset)
      else {
        fragments = [data]
        startedAt = offset
      }
    } else if ((type === MIDDLE || type === LAST) && fragments === undefined) {
      damaged(offset, 'fragment without start')
    } else if (type === MIDDLE || type === LAST) {
      fragments!.push(data)
      intact &&= sound
      if (type === LAST) {
        finish(Buffer.concat(fragments!), startedAt)
        fragments = undefined
      }
    } else {
      damaged(offset, `unknown record type ${type}`)
    }
    offset = end
  }
  return scan
}

/**
 * The first damage that is not a torn last write: damage followed by an intact record. (LevelDB
 * fsyncs each batch before it writes the next, so a crash or power cut can only spoil the last one.)
 */
export function logDamage(scan: LogScan): { offset: number; reason: string } | undefined {
  return scan.damage.find((damage) => damage.offset < scan.lastIntactAt)
}

/** A log file holding `records`, framed as LevelDB's writer frames them. */
export function encodeLog(records: readonly Uint8Array[]): Uint8Array {
  const chunks: Uint8Array[] = []
  let inBlock = 0
  for (const data of records) {
    let position = 0
    do {
      if (BLOCK - inBlock < HEADER) {
        chunks.push(new Uint8Array(BLOCK - inBlock))
        inBlock = 0
      }
      const length = Math.min(BLOCK - inBlock - HEADER, data.length - position)
      const first = position === 0
      const last = position + length === data.length
      const chunk = new Uint8Array(HEADER + length)
      chunk[6] = first && last ? FULL : first ? FIRST : last ? LAST : MIDDLE
      chunk.set(data.subarray(position, position + length), HEADER)
      const view = new DataView(chunk.buffer)
      view.setUint16(4, length, true)
      view.setUint32(0, maskedCrc(chunk, 6, chunk.length), true)
      chunks.push(chunk)
      inBlock += chunk.length
      position += length
    } while (position < data.length)
  }
  return Buffer.concat(chunks)
}

/** One operation of a write batch; value undefined: a deletion. */
export interface BatchEntry {
  key: Uint8Array
  value: Uint8Array | undefined
}

/**
 * A write batch is `fixed64 sequence · fixed32 count · op*`, an op `u8 1 · varstring key · varstring
 * value` (a put) or `u8 0 · varstring key` (a deletion), a varstring `varint32 length · bytes`.
 */
export const BATCH_HEADER = 12

/** A write batch's header: the LevelDB sequence number of its first operation, and how many it holds. */
export function batchHeader(data: Uint8Array): { sequence: bigint; count: number } {
  if (data.length < BATCH_HEADER) return { sequence: 0n, count: 0 }
  const view = new DataView(data.buffer, data.byteOffset, BATCH_HEADER)
  return { sequence: view.getBigUint64(0, true), count: view.getUint32(8, true) }
}

/** The op that starts at `at` and where the next one starts, if the bytes there parse as one. */
export function readOp(data: Uint8Array, at: number): (BatchEntry & { next: number }) | undefined {
  let position = at + 1
  const varstring = (): Uint8Array | undefined => {
    let length = 0
    for (let shift = 0; ; shift += 7) {
      if (position >= data.length || shift > 28) return undefined
      const byte = data[position++]!
      length += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) break
    }
    if (position + length > data.length) return undefined
    position += length
    return data.subarray(position - length, position)
  }
  const tag = data[at]
  if (tag !== 0 && tag !== 1) return undefined
  const key = varstring()
  if (key === undefined) return undefined
  if (tag === 0) return { key, value: undefined, next: position }
  const value = varstring()
  return value === undefined ? undefined : { key, value, next: position }
}

export function encodeBatch(sequence: bigint, ops: readonly BatchEntry[]): Uint8Array {
  const chunks: number[] = []
  const varint = (n: number): void => {
    for (; n >= 0x80; n = Math.floor(n / 0x80)) chunks.push((n % 0x80) | 0x80)
    chunks.push(n)
  }
  const parts: Uint8Array[] = []
  const header = new Uint8Array(BATCH_HEADER)
  new DataView(header.buffer).setBigUint64(0, sequence, true)
  new DataView(header.buffer).setUint32(8, ops.length, true)
  parts.push(header)
  for (const { key, value } of ops) {
    chunks.length = 0
    chunks.push(value === undefined ? 0 : 1)
    varint(key.length)
    parts.push(Uint8Array.from(chunks), key)
    if (value !== undefined) {
      chunks.length = 0
      varint(value.length)
      parts.push(Uint8Array.from(chunks), value)
    }
  }
  return Buffer.concat(parts)
}
