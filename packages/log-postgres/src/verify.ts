/**
 * `verify` on PostgreSQL: every entry after the base is read and checked against its checksum and
 * as a Yjs update, the numbering against the recorded cuts (a seq neither stored nor cut is a lost
 * entry), receivedAt against its non-decreasing rule, and every checkpoint against its checksum.
 * Read without a transaction, a page at a time: entries are immutable.
 */
import * as Y from 'yjs'
import type { VerifyReport } from '@rota/log'
import { cutsOf, docRow, expectedAfter } from './reads.ts'
import type { Db } from './reads.ts'
import { ENTRY_COLUMNS, rowDamage, stateChecksum } from './rows.ts'
import type { EntryRow } from './rows.ts'

const PAGE = 500

export async function verifyDoc(db: Db, doc: string): Promise<VerifyReport> {
  const report: VerifyReport = { doc, entries: 0, damaged: [], damagedCheckpoints: [] }
  const row = await docRow(db, doc)
  if (row === undefined || row.removed) return report
  const cuts = await cutsOf(db, row)
  let expected = expectedAfter(cuts, row.base_seq, false)
  let lastTime = 0
  for (let after = row.base_seq; ; ) {
    const { rows } = await db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM rota_entries WHERE doc_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT ${PAGE}`,
      [row.doc_id, after, row.head_seq],
    )
    for (const entry of rows) {
      for (; expected < entry.seq; expected = expectedAfter(cuts, expected, false)) report.damaged.push({ seq: expected, reason: 'missing' })
      report.entries++
      const damage = rowDamage(entry) ?? (entry.received_at < lastTime ? 'receivedAt goes back in time' : undefined) ?? updateDamage(entry.body)
      if (damage !== undefined) report.damaged.push({ seq: entry.seq, reason: damage })
      lastTime = Math.max(lastTime, entry.received_at)
      expected = expectedAfter(cuts, entry.seq, false)
    }
    if (rows.length < PAGE) break
    after = rows.at(-1)!.seq
  }
  for (; expected <= row.head_seq; expected = expectedAfter(cuts, expected, false)) report.damaged.push({ seq: expected, reason: 'missing' })
  const checkpoints = await db.query<{ seq: number; state: Buffer; crc: number }>(
    'SELECT seq, state, crc FROM rota_checkpoints WHERE doc_id = $1 AND seq >= $2 ORDER BY seq',
    [row.doc_id, row.base_seq],
  )
  for (const checkpoint of checkpoints.rows) {
    if (stateChecksum(checkpoint.state) !== checkpoint.crc) report.damagedCheckpoints!.push(checkpoint.seq)
  }
  return report
}

function updateDamage(body: Uint8Array): string | undefined {
  try {
    Y.parseUpdateMeta(body)
    return undefined
  } catch (error) {
    return `undecodable update: ${(error as Error).message}`
  }
}
