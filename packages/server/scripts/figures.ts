/**
 * Prints a few server figures on this machine (not a benchmark harness: see benchmarks/):
 * compression of an initial sync, and update → durable-ack latency on LevelDB (sync durability).
 *   npx tsx packages/server/scripts/figures.ts
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { openLevelLog } from '@rota/log-leveldb'
import { MessageType, readDurable } from '@rota/protocol'
import { startServer } from '../src/server.ts'
import { updateMessage } from '../src/messages.ts'
import { connectRaw } from '../src/testing.ts'

const dir = await mkdtemp(join(tmpdir(), 'rota-figures-'))
const log = await openLevelLog({ dir })
const server = await startServer({ log, logger: false })

// 1. Initial sync of a 2000-shift schedule.
const seed = new Y.Doc()
const shifts = seed.getMap('shifts')
seed.transact(() => {
  for (let i = 0; i < 2000; i++) {
    const shift = new Y.Map<unknown>()
    shifts.set(`s${i}`, shift)
    for (const [k, v] of Object.entries({ date: `2026-12-${String((i % 28) + 1).padStart(2, '0')}`, start: '09:00', end: '17:00', role: 'nurse', requiredSkill: null, assignee: `staff${i % 40}`, notes: '' })) shift.set(k, v)
  }
})
await server.rooms.applyUpdate('figures', Y.encodeStateAsUpdate(seed), { actor: 'figures', role: 'admin', origin: 'import' })
const reader = await connectRaw(server, 'figures')
const socket = (reader.ws as unknown as { _socket: { bytesRead: number } })._socket
const before = socket.bytesRead
reader.send([0, 0, 1, 0])
const step2 = await reader.next((m) => m[0] === 0 && m[1] === 1)
const wire = socket.bytesRead - before
console.warn(`initial sync, 2000 shifts: ${step2.length} B payload, ${wire} B on the wire (${((wire / step2.length) * 100).toFixed(1)} %)`)
reader.ws.close()

// 2. Update → durable ack latency, one editor typing 500 single-character edits one after another.
const editor = await connectRaw(server, 'latency?ack=1')
const doc = new Y.Doc()
const latencies: number[] = []
for (let i = 0; i < 500; i++) {
  const from = editor.messages.length
  const update = (() => {
    let captured: Uint8Array | undefined
    doc.once('update', (u: Uint8Array) => (captured = u))
    doc.getText('t').insert(0, 'x')
    return captured as Uint8Array
  })()
  const start = performance.now()
  editor.send(updateMessage(update))
  await editor.next((m) => {
    if (m[0] !== MessageType.RotaDurable) return false
    const decoder = decoding.createDecoder(m)
    decoding.readVarUint(decoder)
    return (readDurable(decoder).get(doc.clientID) ?? 0) >= i + 1
  }, from)
  latencies.push(performance.now() - start)
}
latencies.sort((a, b) => a - b)
const pct = (p: number) => latencies[Math.floor((latencies.length - 1) * p)]!.toFixed(2)
console.warn(`update → durable ack (LevelDB, sync): p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, p99 ${pct(0.99)} ms`)
editor.ws.close()

await server.close()
await log.close()
await rm(dir, { recursive: true, force: true })
