/**
 * The bus between server instances, as a port: what the server calls, so that it knows nothing of Redis
 * (`@rota/bus-redis` implements it; `busMemory.ts` is the in-process reference).
 *
 * The bus only hurries. The shared update log decides order and durability; an update goes on the bus only
 * once the log holds it, and carries its seq, so a receiver can drop what it has (dedupe), read what it
 * missed from the log (gaps), and a periodic comparison of heads (replication.ts) repairs whatever the bus
 * lost: a dropped message, a restart of the bus, an instance that died between commit and publish. A bus
 * may therefore deliver at most once, lose anything, and be down: that costs latency, never data.
 *
 * What a bus must do (the compliance suite in busCompliance.ts checks it, for every implementation):
 * - deliver a document's messages to the other instances subscribed to that document, and instance-wide
 *   messages (`heartbeat`, `leave`) to every other started instance; never to the publisher itself;
 * - keep one publisher's order per document;
 * - carry bytes and document names exactly (any characters);
 * - never block or throw on `publish` while it is down (it answers false), and never let `subscribe` wait
 *   for a bus that is down;
 * - when it is back after a loss, make every current subscription live again itself and then report
 *   `status(true)`, so the server can repair what it missed meanwhile.
 */

/** What one instance tells the others. Document messages go to the instances that have the document open. */
export type BusMessage =
  /** An update the shared log holds durably at `seq`. */
  | { kind: 'update'; doc: string; seq: number; update: Uint8Array }
  /** An awareness update of the sender's own connections (never one it received from the bus). */
  | { kind: 'awareness'; doc: string; update: Uint8Array }
  /** The sender opened the document: the others answer with their own connections' awareness. */
  | { kind: 'query-awareness'; doc: string }
  /** A message an extension broadcast to the document's connections (RotaConflicts, …), relayed verbatim. */
  | { kind: 'notice'; doc: string; message: Uint8Array }
  /** Instance-wide: the sender is alive (its connections' awareness states stay). */
  | { kind: 'heartbeat' }
  /** Instance-wide: the sender is shutting down (drop its connections' awareness states now). */
  | { kind: 'leave' }

export type BusMessageKind = BusMessage['kind']

export const busMessageKinds: readonly BusMessageKind[] = ['update', 'awareness', 'query-awareness', 'notice', 'heartbeat', 'leave']

/** The messages that belong to one document (the others are instance-wide). */
export type BusDocMessage = Extract<BusMessage, { doc: string }>

export const isDocMessage = (message: BusMessage): message is BusDocMessage => 'doc' in message

export interface BusHandlers {
  /** A message another instance (`from`, its instance id) published. Must not throw. */
  message(from: string, message: BusMessage): void
  /**
   * The bus lost its connection (false), or has it again with every subscription live (true). Messages
   * published in between may be lost, in both directions.
   */
  status(connected: boolean): void
}

export interface Bus {
  /** This instance's id: in every message it publishes, and how receivers drop their own echo. */
  readonly instanceId: string
  /** Starts delivering to `handlers`; resolves once connected, or once it knows it is not (it keeps trying). */
  start(handlers: BusHandlers): Promise<void>
  /** Resolves true once the bus took the message, false when it could not (down): never rejects. */
  publish(message: BusMessage): Promise<boolean>
  /**
   * Receives the document's messages from now on; resolves once the subscription is live, or at once when
   * the bus is down (it subscribes when it is back). Never rejects.
   */
  subscribe(doc: string): Promise<void>
  /** Stops receiving the document's messages. Never rejects. */
  unsubscribe(doc: string): Promise<void>
  /** Disconnects; the owner (whoever created the bus) closes it, after the server. */
  close(): Promise<void>
}

/** `ServerOptions.replication`: the bus, and how often replication repairs what the bus lost. */
export interface ReplicationOptions {
  bus: Bus
  /** Every open room's head is compared with the log's this often (a quarter of it while the bus is down). Default 2000. */
  repairIntervalMs?: number
  /** A room missing seqs below one it received waits this long for them before reading them from the log. Default 100. */
  gapRepairDelayMs?: number
  /** Awareness changes of local connections are gathered per room this long, then published as one message. Default 50. */
  awarenessBatchMs?: number
  /** Heartbeat period; silent instances are looked for at each beat. Default 1000. */
  heartbeatMs?: number
  /** An instance silent this long is dead: its connections' awareness states are removed (so within peerTimeoutMs + heartbeatMs). Default 5000. */
  peerTimeoutMs?: number
}
