import type { SystemId } from '../systems/types.ts'
import type { ScheduleSize } from '../workload/types.ts'

/**
 * What the harness and a client process say to each other (Node IPC, advanced serialization). Client processes hold
 * replicas of the scenario-2 documents, so the clients' CPU is not one harness thread's, and none of it is the server's.
 */

/** One replica a client process holds: document `doc`, client number `client` on it. */
export interface ReplicaSpec {
  /** Position in the harness's list of every replica; edits of the fixed-rate phase go round-robin over it. */
  index: number
  doc: number
  client: number
  clientId: number
  /** Client ids of the other replicas of the same document (the senders this replica watches). */
  peers: number[]
}

export type Command =
  | { cmd: 'connect'; system: SystemId; url: string; seed: number; schedule: ScheduleSize; replicas: ReplicaSpec[] }
  /** Client 0 of each document writes its schedule; every replica then waits until it holds the schedule. */
  | { cmd: 'writeSchedules' }
  | { cmd: 'awaitSchedules' }
  /** `edits` per replica, one edit per replica per turn of the event loop. */
  | { cmd: 'burst'; edits: number }
  /** Edit k (k < total) goes to replica k mod replicaCount at startAt + k × intervalMs (wall clock, ms). */
  | { cmd: 'fixedRate'; startAt: number; intervalMs: number; total: number; replicaCount: number }
  /** Every replica's snapshot (Y.encodeSnapshotV2), keyed by replica index. */
  | { cmd: 'snapshots' }
  /** Resolves once every replica holds its document's target snapshot; replies with the wall time of the last change. */
  | { cmd: 'awaitTargets'; targets: Array<[doc: number, snapshot: Uint8Array]>; timeoutMs: number }
  /** Sends and arrivals recorded since the last collect (then cleared), and the CPU time used meanwhile. */
  | { cmd: 'collect' }
  /** Every replica's full state (Yjs v1 update), keyed by replica index. */
  | { cmd: 'states' }
  /**
   * Resolves once every replica's client reports all its edits acknowledged as durable; replies false at once where
   * the client gets no such acknowledgements (stock y-websocket, Hocuspocus).
   */
  | { cmd: 'awaitSaved'; timeoutMs: number }
  | { cmd: 'close' }

/** A sent edit: sender client id, the sender's clock after it, wall time (ms). Delete-only edits are not stamped. */
export type Sent = [clientId: number, clock: number, at: number]
/** A receiver's state for a sender's client id advanced to `clock` at `at`. */
export type Arrival = [receiverIndex: number, clientId: number, clock: number, at: number]

export interface Collected {
  sent: Sent[]
  arrivals: Arrival[]
  /** Edits that only deleted (no new struct, so no clock to wait for): sent, but not sampled for latency. */
  deleteOnly: number
  cpuMs: number
}

type Reply =
  | { ok: true; value?: unknown }
  | { ok: false; error: string }

export interface Request { id: number; command: Command }
export interface Response { id: number; reply: Reply }

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now()
