import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LogErrorCode } from '@rota/log'
import { addShift, contentOf, createEditor, docFromState, editShift, metaFor } from '@rota/log/testing'
import { openLevelLog } from './level-log.ts'
import type { LevelLog } from './level-log.ts'
import { repairLevelLog } from './repair.ts'
import type { RepairReport } from './repair.ts'
import { T0, newestLog, withDir } from './test-helpers.ts'
import { encodeLog, scanLog } from './wal.ts'

const DOCS = ['st/a', 'st/b'] as const
type Doc = (typeof DOCS)[number]

interface History {
  dir: string
  wal: string
  bytes: Uint8Array
  /** Per document, the update of each acknowledged seq (index seq − 1). */
  acked: Record<Doc, Uint8Array[]>
  content: Record<Doc, unknown>
  /** Where LevelDB's physical record headers start in the log file. */
  headers: number[]
}

/**
 * Both documents, in three phases: one entry per batch in turns, a burst of 2 × 150 concurrent
 * appends (one batch of ~50 KB, split into fragments across 32 KiB blocks), one per batch again;
 * closing adds a checkpoint of each.
 */
async function writeHistory(): Promise<History> {
  const dir = await mkdtemp(join(tmpdir(), 'rota-wal-'))
  const log = await openLevelLog({ dir })
  const editors = { 'st/a': createEditor(1), 'st/b': createEditor(2) }
  const acked: Record<Doc, Uint8Array[]> = { 'st/a': [], 'st/b': [] }
  const made = { 'st/a': 0, 'st/b': 0 }
  const edit = (doc: Doc) => {
    const i = made[doc]++
    return editors[doc].edit((d) => (i % 3 === 0 ? addShift(d, `s${i}`, i) : editShift(d, `s${i - (i % 3)}`, i)))!
  }
  const append = async (doc: Doc, update: Uint8Array) => {
    const seq = await log.append(doc, update, metaFor('ana', [editors[doc].doc.clientID], T0 + made[doc]))
    acked[doc][seq - 1] = update
  }
  for (let turn = 0; turn < 10; turn++) for (const doc of DOCS) await append(doc, edit(doc))
  const burst = Array.from({ length: 300 }, (_, i) => [DOCS[i % 2]!, edit(DOCS[i % 2]!)] as const)
  await Promise.all(burst.map(([doc, update]) => append(doc, update)))
  for (let turn = 0; turn < 10; turn++) for (const doc of DOCS) await append(doc, edit(doc))
  await log.close()
  const wal = await newestLog(dir)
  const bytes = new Uint8Array(await readFile(wal))
  const content = { 'st/a': contentOf(editors['st/a'].doc), 'st/b': contentOf(editors['st/b'].doc) }
  return { dir, wal: basename(wal), bytes, acked, content, headers: headerOffsets(bytes) }
}

function headerOffsets(bytes: Uint8Array): number[] {
  const offsets: number[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let offset = 0; offset + 7 <= bytes.length; ) {
    const left = 32768 - (offset % 32768)
    if (left < 7) {
      offset += left
      continue
    }
    offsets.push(offset)
    offset += 7 + view.getUint16(offset + 4, true)
  }
  return offsets
}

/** Runs of seqs in 1..n that are not in `damaged`. */
function intactRuns(n: number, damaged: ReadonlySet<number>): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  for (let seq = 1; seq <= n; seq++) {
    if (damaged.has(seq)) continue
    const last = runs.at(-1)
    if (last !== undefined && last[1] === seq - 1) last[1] = seq
    else runs.push([seq, seq])
  }
  return runs
}

/** Ascending seqs as [from, to] runs. */
function ranges(seqs: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  for (const seq of seqs) {
    const last = runs.at(-1)
    if (last !== undefined && last[1] === seq - 1) last[1] = seq
    else runs.push([seq, seq])
  }
  return runs
}

/**
 * The promise: every acknowledged entry is served with the bytes acknowledged, or it is reported,
 * by document and seq (by `verify`, and by the load, which either has all it needs or fails naming
 * one); never silently fewer. Opening either works (then any loss was reported through onError) or
 * refuses with ROTA_LOG_STORAGE_CORRUPT, and then the repair reports what it could not keep.
 */
async function checkNeverSilent(dir: string, history: History): Promise<void> {
  const errors: Error[] = []
  let log: LevelLog
  let report: RepairReport | undefined
  try {
    log = await openLevelLog({ dir, observer: { onError: (error) => errors.push(error) } })
  } catch (error) {
    expect(error).toMatchObject({ code: LogErrorCode.StorageCorrupt, dir })
    report = await repairLevelLog({ dir })
    log = await openLevelLog({ dir })
  }
  try {
    for (const doc of DOCS) {
      const acked = history.acked[doc]
      expect((await log.head(doc))?.headSeq).toBe(acked.length)
      const reported = (await log.verify(doc)).damaged.map((damage) => damage.seq)
      expect(reported.every((seq) => seq >= 1 && seq <= acked.length)).toBe(true)
      for (const [fromSeq, toSeq] of intactRuns(acked.length, new Set(reported))) {
        let seq = fromSeq
        for await (const entry of log.read(doc, { fromSeq, toSeq })) {
          expect(entry.seq).toBe(seq++)
          expect(Buffer.compare(entry.update, acked[entry.seq - 1]!)).toBe(0)
        }
        expect(seq).toBe(toSeq + 1)
      }
      const loaded = await log.stateAt(doc).then(
        (state) => ({ state }),
        (error: unknown) => ({ error }),
      )
      if ('state' in loaded) expect(contentOf(docFromState(loaded.state))).toEqual(history.content[doc])
      else {
        expect(loaded.error).toMatchObject({ code: LogErrorCode.Corrupt, doc })
        expect(reported).toContain((loaded.error as { seq: number }).seq)
      }
      if (reported.length === 0) continue
      if (report !== undefined) expect(report.lost[doc]).toEqual(ranges(reported))
      else expect(errors).toContainEqual(expect.objectContaining({ code: LogErrorCode.Corrupt, doc }))
    }
  } finally {
    await log.close()
  }
}

type Damage = { kind: 'flip'; at: number; mask: number } | { kind: 'truncate'; at: number }

describe('damage anywhere in the newest write-ahead log (property)', () => {
  let history: History
  beforeAll(async () => {
    history = await writeHistory()
  }, 60_000)
  afterAll(() => rm(history.dir, { recursive: true, force: true }))

  it('the history spans blocks, and the repair frames records exactly as LevelDB does', () => {
    expect(history.bytes.length).toBeGreaterThan(32768)
    const scan = scanLog(history.bytes)
    expect(scan.damage).toEqual([])
    expect(Buffer.compare(encodeLog(scan.records.map((record) => record.data)), history.bytes)).toBe(0)
  })

  it('flipped bytes (in entries and in record headers) and cuts at any point: every acknowledged entry is served or reported', async () => {
    const { length } = history.bytes
    const headerBytes = history.headers.flatMap((offset) => Array.from({ length: 7 }, (_, i) => offset + i))
    const damage: fc.Arbitrary<Damage> = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(length - 1), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.constantFrom(...headerBytes), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(length) }),
    )
    await fc.assert(
      fc.asyncProperty(damage, (hit) =>
        withDir(async (dir) => {
          await cp(history.dir, dir, { recursive: true })
          const wal = join(dir, history.wal)
          if (hit.kind === 'truncate') await truncate(wal, hit.at)
          else {
            const bytes = history.bytes.slice()
            bytes[hit.at]! ^= hit.mask
            await writeFile(wal, bytes)
          }
          await checkNeverSilent(dir, history)
        }),
      ),
      { numRuns: 60 },
    )
  }, 120_000)
})
