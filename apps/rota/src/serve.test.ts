import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import WebSocket from 'ws'
import { MessageType, readDurable } from '@rota/protocol'
import { spawnServe, type ServeProcess } from './testing.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const updateMessage = (update: Uint8Array) => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeUpdate(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** An editor that types continuously and remembers what the server acknowledged as durable. */
const startEditor = (server: ServeProcess, doc: string) => {
  const ydoc = new Y.Doc()
  const ws = new WebSocket(`${server.wsUrl}/${doc}?ack=1`)
  let acked = 0
  let sent = 0
  ws.on('message', (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data))
    if (decoding.readVarUint(decoder) !== MessageType.RotaDurable) return
    acked = Math.max(acked, readDurable(decoder).get(ydoc.clientID) ?? 0)
  })
  ws.on('error', () => undefined)
  ydoc.on('update', (update: Uint8Array) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(updateMessage(update))
  })
  const typing = new Promise<void>((resolve) => {
    ws.once('open', async () => {
      // Bounded: stops after 2000 edits or when the connection is gone.
      for (let i = 0; i < 2000 && ws.readyState === WebSocket.OPEN; i++) {
        ydoc.getText('t').insert(0, `${i % 10}`)
        sent++
        await new Promise((r) => setImmediate(r))
      }
      resolve()
    })
    ws.once('close', () => resolve())
  })
  return { ydoc, ws, typing, acked: () => acked, sent: () => sent }
}

describe('rota serve in a child process', () => {
  it('after SIGKILL under load, every update acknowledged as durable is there on restart', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-kill-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const first = await spawnServe(dir)
    cleanup.push(() => first.child.kill('SIGKILL'))
    const editors = [startEditor(first, 'load/a'), startEditor(first, 'load/a'), startEditor(first, 'load/b')]
    // Kill once acknowledgements are flowing, while the editors keep typing.
    const deadline = Date.now() + 60_000
    while (editors.some((e) => e.acked() < 20) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    first.child.kill('SIGKILL')
    await first.exited
    await Promise.all(editors.map((e) => e.typing))
    const acked = editors.map((e) => e.acked())
    expect(Math.min(...acked)).toBeGreaterThanOrEqual(20)

    const second = await spawnServe(dir)
    cleanup.push(() => second.child.kill('SIGKILL'))
    for (const [i, editor] of editors.entries()) {
      const doc = i < 2 ? 'load/a' : 'load/b'
      const res = await fetch(`${second.url}/api/docs/${encodeURIComponent(doc)}/update`)
      const restored = new Y.Doc()
      Y.applyUpdate(restored, new Uint8Array(await res.arrayBuffer()))
      const stored = Y.getState(restored.store, editor.ydoc.clientID)
      expect(stored, `editor ${i}: acked ${acked[i]}, sent ${editor.sent()}`).toBeGreaterThanOrEqual(acked[i]!)
    }
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })
})
