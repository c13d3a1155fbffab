/**
 * The heads file: a witness, outside LevelDB, of which entries were acknowledged. After each batch
 * is durable, the highest seq it holds of every document in it is appended to `rota-heads-<n>` in
 * the LevelDB directory (LevelDB and its repairer leave names they do not know alone). LevelDB's
 * write-ahead log can then be damaged or cut short and the log still knows, by doc and seq, what it
 * should hold (lost.ts), where LevelDB alone reopens with a shorter history and says nothing.
 *
 * No fsync of its own, so appends pay no second fsync: a record goes to the page cache after its
 * batch's fsync and before the appends resolve. It thus survives a process crash and never claims
 * more than LevelDB holds; only a power cut within the seconds before the OS writes it back can lose
 * some records, and then the check is weaker for those entries, never wrong.
 *
 * It only needs to cover what sits in the write-ahead log alone: table files are checked on their own
 * (size at open, checksums on read). So past HEADS_FILE_BYTES (or HEADS_FILE_DOCS documents) a new
 * file is started and the older ones are deleted once `compactRange` has flushed LevelDB's memtable
 * (everything written before it is then in synced table files); opening flushes the recovered log too
 * and starts afresh. The files stay small, and so does the check at open.
 *
 * Record: varuint length · payload · u32 CRC-32 of the payload; payload: varuint n · n × (varstring doc · varuint seq).
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs'
import { readFile, readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Db } from './scan.ts'

export const HEADS_FILE_BYTES = 1024 * 1024
export const HEADS_FILE_DOCS = 16_384
const NAME = /^rota-heads-(\d+)$/
const fileName = (generation: number): string => `rota-heads-${generation}`
/** No key starts with 0x00 (every key starts with a tag letter): compacting this range only flushes the memtable. */
const NO_KEYS: [Uint8Array, Uint8Array] = [new Uint8Array([0x00]), new Uint8Array([0x01])]

export interface FoundHeads {
  /** Per document, the highest seq the files say was acknowledged. */
  heads: Map<string, number>
  files: string[]
  /** The generation the next file gets. */
  next: number
  /** Where a file is damaged before its end (records after that point are not read). */
  damage: Array<{ file: string; offset: number }>
}

function encodeHeads(heads: Iterable<readonly [string, number]>): Uint8Array {
  const payload = encoding.createEncoder()
  const entries = [...heads]
  encoding.writeVarUint(payload, entries.length)
  for (const [doc, seq] of entries) {
    encoding.writeVarString(payload, doc)
    encoding.writeVarUint(payload, seq)
  }
  const body = encoding.toUint8Array(payload)
  const record = encoding.createEncoder()
  encoding.writeVarUint(record, body.length)
  encoding.writeUint8Array(record, body)
  encoding.writeUint32BigEndian(record, crc32(body))
  return encoding.toUint8Array(record)
}

/**
 * Reads the records of one file into `heads`. Returns where a damaged record with more after it
 * starts, or undefined: intact, or only the last record torn (a crash in mid-write).
 */
function decodeHeads(bytes: Uint8Array, heads: Map<string, number>): number | undefined {
  const decoder = decoding.createDecoder(bytes)
  try {
    while (decoding.hasContent(decoder)) {
      const start = decoder.pos
      const body = decoding.readUint8Array(decoder, decoding.readVarUint(decoder))
      if (decoding.readUint32BigEndian(decoder) !== crc32(body)) return decoder.pos < bytes.length ? start : undefined
      const payload = decoding.createDecoder(body)
      for (let n = decoding.readVarUint(payload); n > 0; n--) {
        const doc = decoding.readVarString(payload)
        const seq = decoding.readVarUint(payload)
        heads.set(doc, Math.max(heads.get(doc) ?? 0, seq))
      }
    }
  } catch {
    // A record running past the end: the last write was torn.
  }
  return undefined
}

export async function readHeads(dir: string): Promise<FoundHeads> {
  const found: FoundHeads = { heads: new Map(), files: [], next: 1, damage: [] }
  for (const name of await readdir(dir)) {
    const match = NAME.exec(name)
    if (match === null) continue
    found.files.push(name)
    found.next = Math.max(found.next, Number(match[1]) + 1)
    const damagedAt = decodeHeads(await readFile(join(dir, name)), found.heads)
    if (damagedAt !== undefined) found.damage.push({ file: name, offset: damagedAt })
  }
  return found
}

export interface HeadsJournal {
  /** Appends the heads of a batch that is durable; throws when the file cannot be written. */
  record(writes: ReadonlyArray<{ doc: string; seq: number }>): void
  /** Waits for a rotation under way, syncs and closes the file (a failure goes to onError). */
  close(): Promise<void>
}

export interface HeadsLimits {
  maxBytes: number
  maxDocs: number
  onError: (error: unknown) => void
}

/**
 * Starts a new file holding `carry` (heads still owed: entries found lost at open) and deletes the
 * files found, whose entries LevelDB's open has put into table files.
 */
export async function startHeads(dir: string, db: Db, found: FoundHeads, carry: ReadonlyMap<string, number>, limits: HeadsLimits): Promise<HeadsJournal> {
  let generation = found.next
  let fd = openSync(join(dir, fileName(generation)), 'a')
  let bytes = 0
  const docs = new Set<string>()
  let rotating: Promise<void> | undefined
  const write = (record: Uint8Array): void => {
    for (let done = 0; done < record.length; ) done += writeSync(fd, record, done)
    bytes += record.length
  }
  if (carry.size > 0) {
    write(encodeHeads(carry))
    fdatasyncSync(fd)
  }
  for (const name of found.files) await unlink(join(dir, name))

  const rotate = (): void => {
    const older = generation
    const next = openSync(join(dir, fileName(older + 1)), 'a')
    closeSync(fd)
    fd = next
    generation = older + 1
    bytes = 0
    docs.clear()
    // Every batch the older files witness was written before this flush starts, so it covers them.
    rotating = db
      .compactRange(...NO_KEYS)
      .then(async () => {
        for (const name of await readdir(dir)) {
          const match = NAME.exec(name)
          if (match !== null && Number(match[1]) <= older) await unlink(join(dir, name))
        }
      })
      .catch(limits.onError)
      .finally(() => (rotating = undefined))
  }

  return {
    record(writes) {
      const heads = new Map<string, number>()
      for (const { doc, seq } of writes) {
        heads.set(doc, Math.max(heads.get(doc) ?? 0, seq))
        docs.add(doc)
      }
      // Synchronous: a page-cache write of a few dozen bytes, done before the batch's appends resolve.
      write(encodeHeads(heads))
      if ((bytes >= limits.maxBytes || docs.size >= limits.maxDocs) && rotating === undefined) rotate()
    },
    async close() {
      await rotating
      try {
        fdatasyncSync(fd)
      } catch (error) {
        limits.onError(error)
      } finally {
        closeSync(fd)
      }
    },
  }
}
