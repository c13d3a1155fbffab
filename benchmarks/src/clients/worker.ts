// A client process of scenario 2: holds some replicas, edits on command, records when edits leave and arrive.
// Started by clients/pool.ts with `node --import tsx`, spoken to over IPC (clients/protocol.ts).
import { isDeepStrictEqual } from 'node:util'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import * as Y from 'yjs'
import { holds, sleep, waitUntil } from '../scenarios/sync.ts'
import { systemById } from '../systems/all.ts'
import type { SyncClient } from '../systems/clients.ts'
import { applyEdit, createEditGenerator, type EditGenerator } from '../workload/edits.ts'
import { generateSchedule, readSchedule, writeSchedule } from '../workload/schedule.ts'
import type { ScheduleJSON } from '../workload/types.ts'
import { wallNow, type Arrival, type Collected, type Command, type ReplicaSpec, type Request, type Response, type Sent } from './protocol.ts'

interface Replica { spec: ReplicaSpec; doc: Y.Doc; client: SyncClient; edits: EditGenerator; schedule: ScheduleJSON; lastChangeAt: number }

let replicas: Replica[] = []
let sent: Sent[] = []
let arrivals: Arrival[] = []
let deleteOnly = 0
let cpuMark = process.cpuUsage()

const watchArrivals = (replica: Replica) => {
  const seen = new Map(replica.spec.peers.map((id) => [id, 0]))
  replica.doc.on('update', () => {
    const at = wallNow()
    replica.lastChangeAt = at
    for (const [id, clock] of seen) {
      const now = Y.getState(replica.doc.store, id)
      if (now === clock) continue
      seen.set(id, now)
      arrivals.push([replica.spec.index, id, now, at])
    }
  })
}

const send = (replica: Replica) => {
  const before = Y.getState(replica.doc.store, replica.doc.clientID)
  applyEdit(replica.doc, replica.edits.next())
  const clock = Y.getState(replica.doc.store, replica.doc.clientID)
  if (clock === before) deleteOnly++
  else sent.push([replica.doc.clientID, clock, wallNow()])
}

const snapshotTarget = (bytes: Uint8Array) => {
  const snapshot = Y.decodeSnapshotV2(bytes)
  return { sv: snapshot.sv, ds: snapshot.ds }
}

const handle = async (command: Command): Promise<unknown> => {
  switch (command.cmd) {
    case 'connect': {
      const system = systemById(command.system)
      replicas = command.replicas.map((spec) => {
        const doc = new Y.Doc()
        doc.clientID = spec.clientId
        const schedule = generateSchedule(command.seed + spec.doc, command.schedule)
        const edits = createEditGenerator(schedule, { seed: command.seed * 1000 + spec.doc * 100 + spec.client, tag: `c${spec.client}`, days: command.schedule.days })
        const client = system.connect(command.url, `ingest-${spec.doc}`, doc)
        const replica = { spec, doc, client, edits, schedule, lastChangeAt: 0 }
        watchArrivals(replica)
        return replica
      })
      await Promise.all(replicas.map((r) => r.client.whenSynced()))
      return undefined
    }
    case 'writeSchedules':
      for (const r of replicas) if (r.spec.client === 0) writeSchedule(r.doc, r.schedule)
      return undefined
    case 'awaitSchedules':
      for (const r of replicas) {
        await waitUntil([r.doc], () => isDeepStrictEqual(readSchedule(r.doc), r.schedule), 60_000, `document ${r.spec.doc} reaching client ${r.spec.client}`)
          .catch((error: Error) => {
            const structs = [...Y.decodeStateVector(Y.encodeStateVector(r.doc)).values()].reduce((a, b) => a + b, 0)
            throw new Error(`${error.message} (it holds ${structs} structs)`)
          })
      }
      return undefined
    case 'burst':
      for (let i = 0; i < command.edits; i++) {
        for (const r of replicas) send(r)
        await yieldToLoop()
      }
      return undefined
    case 'fixedRate': {
      const mine = new Map(replicas.map((r) => [r.spec.index, r]))
      let k = 0
      while (k < command.total) {
        const due = Math.min(command.total, Math.floor((wallNow() - command.startAt) / command.intervalMs) + 1)
        for (; k < due; k++) {
          const replica = mine.get(k % command.replicaCount)
          if (replica !== undefined) send(replica)
        }
        await sleep(1)
      }
      return undefined
    }
    case 'snapshots':
      return replicas.map((r) => [r.spec.index, Y.encodeSnapshotV2(Y.snapshot(r.doc))])
    case 'awaitTargets': {
      const targets = new Map(command.targets.map(([doc, bytes]) => [doc, snapshotTarget(bytes)]))
      await Promise.all(replicas.map((r) =>
        waitUntil([r.doc], () => holds(r.doc, targets.get(r.spec.doc)!), command.timeoutMs, `every replica holding every edit of document ${r.spec.doc}`)))
      return Math.max(...replicas.map((r) => r.lastChangeAt))
    }
    case 'collect': {
      const cpu = process.cpuUsage(cpuMark)
      cpuMark = process.cpuUsage()
      const collected: Collected = { sent, arrivals, deleteOnly, cpuMs: (cpu.user + cpu.system) / 1000 }
      sent = []
      arrivals = []
      deleteOnly = 0
      return collected
    }
    case 'states':
      return replicas.map((r) => [r.spec.index, Y.encodeStateAsUpdate(r.doc)])
    case 'awaitSaved': {
      if (replicas.some((r) => r.client.whenSaved === undefined)) return false
      let timer: NodeJS.Timeout | undefined
      const bound = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not every edit acknowledged as saved within ${command.timeoutMs} ms`)), command.timeoutMs)
      })
      await Promise.race([Promise.all(replicas.map((r) => r.client.whenSaved!())), bound]).finally(() => clearTimeout(timer))
      return true
    }
    case 'close':
      for (const r of replicas) r.client.destroy()
      // Client libraries keep timers (reconnect, awareness) after destroy; this process has nothing left to do.
      setImmediate(() => process.exit(0))
      return undefined
  }
}

// Each y-websocket provider registers a process 'exit' listener; dozens of clients are expected here.
process.setMaxListeners(0)
process.on('message', (message: Request) => {
  handle(message.command).then(
    (value) => process.send!({ id: message.id, reply: { ok: true, value } } satisfies Response),
    (error: unknown) => process.send!({ id: message.id, reply: { ok: false, error: error instanceof Error ? error.message : String(error) } } satisfies Response),
  )
})
// The harness going away ends this process too.
process.on('disconnect', () => process.exit(0))
