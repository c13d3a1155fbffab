/**
 * The fuzz test: at least 100,000 random and mutated y-websocket messages against a running server with a
 * LevelDB log. Mutations start from real traffic captured from stock clients. Throughout, a normal client
 * keeps editing and another keeps seeing its edits; afterwards a fresh client gets exactly the server's
 * document, the normal clients agree with it, and the log verifies clean. ROTA_FUZZ_MESSAGES (default
 * 100000) and ROTA_FUZZ_SEED replay or lengthen a run (the soak mode); a failure prints the seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { applyOps, fromJSON, toJSON } from '@rota/model'
import { openLevelLog, type LevelLog } from '@rota/log-leveldb'
import { connectRaw, connectStock, mint, startAuthServer, waitFor, type AuthServer, type RawSocket, type StockClient } from './testing/harness.ts'
import { craftedUpdates, createRandom, envelope, mutateBytes, mutatePayload, type Random } from './testing/mutate.ts'
import { wardJSON } from './testing/schedule.ts'

const total = Number(process.env.ROTA_FUZZ_MESSAGES ?? 100_000)
const seed = Number(process.env.ROTA_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const workers = 4
/** Messages sent back to back on one connection before the sentinel. */
const batch = 50
const docName = 'acme/fuzz'
/** queryAwareness: the server answers it in order, so its answer means every earlier message was handled. */
const sentinel = Uint8Array.of(3)
/** A bound on the server's silence, not a timing assertion: a hung server never answers. */
const answerTimeoutMs = 15_000

let dir: string
let log: LevelLog
let env: AuthServer
let writer: StockClient
let reader: StockClient
let captured: Uint8Array[] = []
const tokens: string[] = []

beforeAll(async () => {
  console.warn(`fuzz: seed ${seed}, ${total} messages (replay with ROTA_FUZZ_SEED=${seed})`)
  dir = await mkdtemp(join(tmpdir(), 'rota-fuzz-'))
  log = await openLevelLog({ dir })
  env = await startAuthServer({ log, limits: { messagesPerSecond: 1e9, messageBurst: 1e9, maxConnectionsPerAddress: 1024 } })
  const { wsUrl } = env.server
  const manager = await mint({ sub: 'mgr', tenant: 'acme', role: 'manager' })
  const ana = await mint({ sub: 'ana', tenant: 'acme', role: 'staff', staffId: 'ana' })
  // The fuzzers are other people than the two normal clients, though of every role and of Ana's staff record: one
  // person's own connections may write each other's Yjs client ids (docs/security.md, "Forged client ids"), so a
  // fuzzer holding the normal clients' own tokens could spoil their edits, which is that known limit, not a fault.
  tokens.push(
    await mint({ sub: 'root', tenant: null, role: 'admin' }),
    await mint({ sub: 'mgr-2', tenant: 'acme', role: 'manager' }),
    await mint({ sub: 'lead', tenant: 'acme', role: 'lead' }),
    await mint({ sub: 'ana-2', tenant: 'acme', role: 'staff', staffId: 'ana' }),
    await mint({ sub: 'eve', tenant: 'acme', role: 'viewer' }),
  )
  // Real traffic: a manager builds the ward, staff pick up and release shifts, everyone shows presence.
  writer = connectStock(wsUrl, docName, manager)
  reader = connectStock(wsUrl, docName, ana)
  await Promise.all([writer.synced(), reader.synced()])
  fromJSON(wardJSON(), writer.doc)
  writer.provider.awareness.setLocalState({ user: { name: 'Mgr' }, viewing: 'shifts.open' })
  reader.provider.awareness.setLocalState({ user: { name: 'Ana' } })
  await waitFor(() => reader.doc.getMap('shifts').size === 6, 'the ward to reach ana')
  for (let i = 0; i < 20; i++) {
    applyOps(reader.doc, [{ op: 'set', path: 'shifts.open.assignee', value: i % 2 === 0 ? 'ana' : null }])
    applyOps(writer.doc, [{ op: 'set', path: 'shifts.bens.notes', value: `note ${i}` }, { op: 'append', path: 'staff.ben.unavailable', value: `2027-01-${String(1 + i).padStart(2, '0')}` }])
    reader.provider.awareness.setLocalStateField('viewing', `shifts.${i}`)
  }
  await waitFor(() => JSON.stringify(toJSON(writer.doc)) === JSON.stringify(toJSON(reader.doc)), 'the seed edits to converge')
  captured = [...writer.traffic, ...reader.traffic].filter((message) => message.length > 0)
}, 60_000)

afterAll(async () => {
  writer?.destroy()
  reader?.destroy()
  await env?.close()
  await rm(dir, { recursive: true, force: true })
})

/** How `doc` differs from the server's: clocks per client, else the schedule values, else nothing. */
const divergence = (server: Y.Doc, doc: Y.Doc): string => {
  const clocks = (d: Y.Doc) => Y.decodeStateVector(Y.encodeStateVector(d))
  const [ours, theirs] = [clocks(server), clocks(doc)]
  const clients = [...new Set([...ours.keys(), ...theirs.keys()])].filter((client) => ours.get(client) !== theirs.get(client))
  if (clients.length > 0) return `clocks differ: ${clients.map((c) => `${c} server ${ours.get(c) ?? 0}, here ${theirs.get(c) ?? 0}`).join('; ')}`
  const flat = (value: unknown, path: string, out: Map<string, string>): Map<string, string> => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) flat(inner, `${path}.${key}`, out)
    } else out.set(path, JSON.stringify(value))
    return out
  }
  const [a, b] = [flat(toJSON(server), '', new Map()), flat(toJSON(doc), '', new Map())]
  const paths = [...new Set([...a.keys(), ...b.keys()])].filter((path) => a.get(path) !== b.get(path))
  if (paths.length === 0) return 'the same'
  return `same clocks, other values (a delete set differs): ${paths.slice(0, 5).map((p) => `${p} server ${a.get(p)}, here ${b.get(p)}`).join('; ')}`
}

/** One hostile message; sometimes a text frame. */
const nextMessage = (random: Random, doc: Y.Doc): { bytes: Uint8Array; text?: boolean } => {
  const a = random.pick(captured)
  const b = random.pick(captured)
  const roll = random.next()
  if (roll < 0.1) return { bytes: a }
  if (roll < 0.45) return { bytes: mutatePayload(random, a, b) }
  if (roll < 0.8) return { bytes: mutateBytes(random, a, b) }
  if (roll < 0.9) return { bytes: envelope([0, random.pick([1, 2])], random.pick(craftedUpdates(doc, random))) }
  if (roll < 0.98) return { bytes: random.bytes(random.int(64)) }
  return { bytes: random.bytes(random.int(16)), text: true }
}

describe('fuzz: hostile messages against a running server', () => {
  it(`stays up, serves a normal client, and keeps its log sound (${total} messages)`, async () => {
    const random = createRandom(seed)
    const serverDoc = await env.server.rooms.getDoc(docName)
    let sent = 0
    let connections = 0
    let closedByServer = 0
    let done = false

    const worker = async (w: number): Promise<void> => {
      let socket: RawSocket | undefined
      while (sent < total && !done) {
        if (socket === undefined || socket.isClosed()) {
          socket = await connectRaw(env.server.wsUrl, docName, tokens[(w + connections) % tokens.length])
          connections++
          if (socket.isClosed()) throw new Error(`seed ${seed}: server refused a fresh connection (${JSON.stringify(await socket.closed)})`)
        }
        const current = socket
        const answered = new Promise<'answer' | 'closed'>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`seed ${seed}: no answer within ${answerTimeoutMs} ms after message ${sent}`)), answerTimeoutMs)
          const onMessage = (data: Buffer) => {
            if (data[0] !== 1) return
            cleanup()
            resolve('answer')
          }
          const onClose = () => {
            cleanup()
            resolve('closed')
          }
          const cleanup = () => {
            clearTimeout(timer)
            current.ws.off('message', onMessage)
            current.ws.off('close', onClose)
          }
          current.ws.on('message', onMessage)
          current.ws.on('close', onClose)
        })
        // A batch, then the sentinel: the server handles a connection's messages in order.
        for (let i = 0; i < batch; i++) {
          const { bytes, text } = nextMessage(random, serverDoc)
          current.ws.send(text ? Buffer.from(bytes).toString('latin1') : bytes, { binary: !text })
        }
        current.ws.send(sentinel)
        sent += batch
        if ((await answered) === 'closed') closedByServer++
      }
      socket?.ws.close()
    }

    // The normal client keeps working while the fuzzers run: every edit must reach the other client.
    const liveness = async (): Promise<number> => {
      let rounds = 0
      while (!done) {
        applyOps(writer.doc, [{ op: 'set', path: 'settings.name', value: `Ward 3 (${rounds})` }])
        const target = Y.decodeStateVector(Y.encodeStateVector(writer.doc)).get(writer.doc.clientID) ?? 0
        const delivered = () => (Y.decodeStateVector(Y.encodeStateVector(reader.doc)).get(writer.doc.clientID) ?? 0) >= target
        await waitFor(delivered, `seed ${seed}: edit ${rounds} to reach the other client`, 20_000)
        rounds++
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      return rounds
    }

    const alive = liveness()
    const fuzzing = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)))
    // Whichever fails first fails the test; the other is stopped.
    await Promise.race([fuzzing, alive]).finally(() => {
      done = true
    })
    const rounds = await alive
    await fuzzing
    console.warn(`fuzz: ${sent} messages over ${connections} connections, ${closedByServer} closed by the server, ${rounds} liveness rounds`)
    expect(sent).toBeGreaterThanOrEqual(total)
    expect(rounds).toBeGreaterThan(0)

    // A fresh stock client still syncs and gets exactly the server's document; the normal clients agree with it.
    const fresh = connectStock(env.server.wsUrl, docName, tokens[1])
    const json = (doc: Y.Doc) => JSON.stringify(toJSON(doc))
    try {
      await fresh.synced()
      await waitFor(() => json(fresh.doc) === json(serverDoc), `seed ${seed}: a fresh client to get the server's document`)
      await waitFor(() => json(writer.doc) === json(serverDoc) && json(reader.doc) === json(serverDoc), `seed ${seed}: the normal clients to agree`)
    } catch (err) {
      // What tells a cause apart: the state vectors (structs) and, where they agree, the values that differ (deletions).
      const logged = new Y.Doc()
      Y.applyUpdate(logged, await log.stateAt(docName))
      for (const [name, doc] of Object.entries({ log: logged, fresh: fresh.doc, writer: writer.doc, reader: reader.doc })) {
        console.warn(`${name} (client ${doc.clientID}): ${divergence(serverDoc, doc)}`)
      }
      throw err
    } finally {
      fresh.destroy()
    }

    // Every stored entry verifies.
    for await (const { doc } of log.listDocs()) {
      const report = await log.verify(doc)
      expect(report.damaged, `seed ${seed}: ${doc}`).toEqual([])
    }
    const metrics = await (await fetch(`${env.server.url}/metrics`)).text()
    console.warn(metrics.split('\n').filter((line) => /^rota_(messages_rejected_total|documents_reloaded_total)/.test(line)).join('\n'))
  }, 300_000)

  // Memory never holds what the log lacks, and the log holds one version of each struct: replaying it
  // (LevelDB merges entries) rebuilds exactly the room's document (docs/security.md, "Fuzzing").
  it('replaying the log rebuilds exactly the server’s document', async () => {
    // The relay runs ahead of the disk (an edit is broadcast once its append has started), so the log may still
    // lack the last batch: the server's shutdown waits for the appends in flight, then the two must be equal.
    const held = new Y.Doc()
    Y.applyUpdate(held, Y.encodeStateAsUpdate(await env.server.rooms.getDoc(docName)))
    await env.server.close()
    const rebuilt = new Y.Doc()
    Y.applyUpdate(rebuilt, await log.stateAt(docName))
    expect(divergence(held, rebuilt), `seed ${seed}: the log's replay against the room`).toBe('the same')
  }, 300_000)
})
