/**
 * The in-process bus: the reference implementation of the `Bus` port (bus.ts), for tests of the port and of
 * replication without Redis. All buses connected to one hub see each other, as instances on one Redis do.
 *
 * It can misbehave on purpose, the way a real bus does: `down()`/`up()` (a restart: what is published
 * meanwhile is lost, subscriptions come back by themselves), `dropNext` (one lost message), and `manual`
 * delivery, where messages wait in `queued` until a test delivers, drops or duplicates them in any order.
 */
import { isDocMessage, type Bus, type BusHandlers, type BusMessage } from './bus.ts'

interface Member {
  instanceId: string
  handlers: BusHandlers | undefined
  docs: Set<string>
}

export interface QueuedDelivery {
  to: string
  from: string
  message: BusMessage
}

export interface MemoryBusHub {
  /** A bus for one instance. */
  connect(instanceId: string): Bus
  /** The bus goes down: publishes answer false and deliver nothing until `up()`. */
  down(): void
  /** Back up: every bus reports `status(true)`, its subscriptions live again. */
  up(): void
  /** The next delivery that matches is lost (once). */
  dropNext(match: (delivery: QueuedDelivery) => boolean): void
  /** Manual mode: deliveries waiting for the test. */
  readonly queued: QueuedDelivery[]
  /** Manual mode: delivers (and removes) `queued[index]`; `keep` leaves a copy queued (a duplicate). */
  deliver(index: number, keep?: boolean): void
  /** Manual mode: loses `queued[index]`. */
  discard(index: number): void
}

const copy = (message: BusMessage): BusMessage => {
  switch (message.kind) {
    case 'update':
    case 'awareness':
      return { ...message, update: message.update.slice() }
    case 'notice':
      return { ...message, message: message.message.slice() }
    default:
      return { ...message }
  }
}

export const createMemoryBusHub = (options: { manual?: boolean } = {}): MemoryBusHub => {
  const members = new Set<Member>()
  const queued: QueuedDelivery[] = []
  const drops: Array<(delivery: QueuedDelivery) => boolean> = []
  let connected = true

  const memberOf = (instanceId: string): Member | undefined => [...members].find((m) => m.instanceId === instanceId)

  const handOver = (delivery: QueuedDelivery): void => {
    const member = memberOf(delivery.to)
    // Subscriptions are checked at delivery, as Redis does when the message reaches the subscriber.
    if (member?.handlers === undefined) return
    if (isDocMessage(delivery.message) && !member.docs.has(delivery.message.doc)) return
    member.handlers.message(delivery.from, copy(delivery.message))
  }

  const route = (from: Member, message: BusMessage): void => {
    for (const member of members) {
      if (member === from || member.handlers === undefined) continue
      if (isDocMessage(message) && !member.docs.has(message.doc)) continue
      const delivery = { to: member.instanceId, from: from.instanceId, message: copy(message) }
      const drop = drops.findIndex((match) => match(delivery))
      if (drop >= 0) {
        drops.splice(drop, 1)
        continue
      }
      if (options.manual === true) queued.push(delivery)
      // Never inside publish: a receiver's handler runs as it would after a network hop.
      else queueMicrotask(() => handOver(delivery))
    }
  }

  const connect = (instanceId: string): Bus => {
    const member: Member = { instanceId, handlers: undefined, docs: new Set() }
    members.add(member)
    return {
      instanceId,
      async start(handlers) {
        member.handlers = handlers
        handlers.status(connected)
      },
      async publish(message) {
        if (!connected || !members.has(member)) return false
        route(member, message)
        return true
      },
      async subscribe(doc) {
        member.docs.add(doc)
      },
      async unsubscribe(doc) {
        member.docs.delete(doc)
      },
      async close() {
        members.delete(member)
        member.handlers = undefined
      },
    }
  }

  const statusAll = (up: boolean): void => {
    for (const member of members) member.handlers?.status(up)
  }

  return {
    connect,
    down() {
      if (!connected) return
      connected = false
      // What was on its way is lost with the connection.
      queued.length = 0
      statusAll(false)
    },
    up() {
      if (connected) return
      connected = true
      statusAll(true)
    },
    dropNext(match) {
      drops.push(match)
    },
    queued,
    deliver(index, keep = false) {
      const delivery = queued[index]
      if (delivery === undefined) throw new RangeError(`no queued delivery ${index}`)
      if (!keep) queued.splice(index, 1)
      handOver(delivery)
    },
    discard(index) {
      queued.splice(index, 1)
    },
  }
}
