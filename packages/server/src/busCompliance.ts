/**
 * The one suite every `Bus` (bus.ts) passes: the in-process hub here, Redis in @rota/bus-redis. A bus's test
 * file only calls `runBusCompliance(name, setup)`. What it checks is what replication.ts relies on; what a
 * bus may do (lose messages while down) it does not forbid.
 *
 * No assertion waits for silence: "B got nothing of d" is checked by a later message that B must get, which
 * the same publisher sent after (a bus keeps one publisher's order, and delivers a channel's messages in the
 * order it took them).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Bus, BusHandlers, BusMessage } from './bus.ts'

export interface BusFixture {
  /** A started-able bus for one instance, on the fixture's shared medium. */
  open(instanceId: string): Promise<Bus>
  /** Capability: take the medium down and back up (a restart of Redis). */
  outage?: { stop(): Promise<void>; start(): Promise<void> }
  cleanup(): Promise<void>
}

interface Inbox {
  bus: Bus
  got: Array<{ from: string; message: BusMessage }>
  status: boolean[]
}

const waitUntil = async (check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Publishes, then waits a little for `arrived`, again and again (bounded). */
const resendUntil = async (send: () => Promise<boolean>, arrived: () => boolean, what: string): Promise<void> => {
  for (let attempt = 0; attempt < 300; attempt++) {
    await send()
    const deadline = Date.now() + 50
    while (!arrived() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
    if (arrived()) return
  }
  throw new Error(`timed out waiting for ${what}`)
}

const update = (doc: string, seq: number, bytes: number[] = [seq % 256]): BusMessage => ({
  kind: 'update',
  doc,
  seq,
  update: Uint8Array.from(bytes),
})

/** What a test needs of its fixture: `outage`, a medium it may take down (a bus may then make a costlier one). */
export interface BusNeeds {
  outage?: boolean
}

export function runBusCompliance(name: string, setup: (needs: BusNeeds) => Promise<BusFixture>): void {
  describe(`Bus compliance: ${name}`, () => {
    let fixture: BusFixture | undefined
    const buses: Bus[] = []
    afterEach(async () => {
      for (const bus of buses.splice(0)) await bus.close()
      await fixture?.cleanup()
      fixture = undefined
    })

    const started = async (instanceId: string, docs: string[] = []): Promise<Inbox> => {
      fixture ??= await setup({})
      const bus = await fixture.open(instanceId)
      buses.push(bus)
      const inbox: Inbox = { bus, got: [], status: [] }
      const handlers: BusHandlers = {
        message: (from, message) => inbox.got.push({ from, message }),
        status: (up) => inbox.status.push(up),
      }
      await bus.start(handlers)
      for (const doc of docs) await bus.subscribe(doc)
      return inbox
    }
    const updatesOf = (inbox: Inbox, doc: string) =>
      inbox.got.flatMap(({ message }) => (message.kind === 'update' && message.doc === doc ? [message.seq] : []))

    it('delivers a document message to the other subscribed instances, exactly, with the sender id', async () => {
      const a = await started('a', ['acme/w48'])
      const b = await started('b', ['acme/w48'])
      const bytes = Array.from({ length: 256 }, (_, i) => i)
      expect(await a.bus.publish(update('acme/w48', 7, bytes))).toBe(true)
      await waitUntil(() => b.got.length === 1, 'delivery')
      expect(b.got[0]).toEqual({ from: 'a', message: update('acme/w48', 7, bytes) })
      expect(a.bus.instanceId).toBe('a')
    })

    it('never delivers an instance its own messages', async () => {
      const a = await started('a', ['d'])
      const b = await started('b', ['d'])
      expect(await a.bus.publish(update('d', 1))).toBe(true)
      expect(await b.bus.publish(update('d', 2))).toBe(true)
      await waitUntil(() => a.got.length === 1, 'the other instance’s message')
      expect(a.got.map((g) => g.from)).toEqual(['b'])
    })

    it('delivers a document only to subscribers, and nothing after unsubscribe', async () => {
      const a = await started('a')
      const b = await started('b', ['one', 'two'])
      const c = await started('c', ['two'])
      await a.bus.publish(update('one', 1))
      await a.bus.publish(update('two', 2))
      await waitUntil(() => c.got.length === 1 && b.got.length === 2, 'deliveries')
      expect(updatesOf(c, 'one')).toEqual([])
      await b.bus.unsubscribe('one')
      await a.bus.publish(update('one', 3))
      await a.bus.publish(update('two', 4))
      await waitUntil(() => updatesOf(b, 'two').length === 2, 'the later message')
      expect(updatesOf(b, 'one')).toEqual([1])
    })

    it('delivers instance-wide messages to every started instance, subscribed or not', async () => {
      const a = await started('a')
      const b = await started('b')
      const c = await started('c', ['x'])
      await a.bus.publish({ kind: 'heartbeat' })
      await a.bus.publish({ kind: 'leave' })
      await waitUntil(() => b.got.length === 2 && c.got.length === 2, 'heartbeats')
      expect(c.got).toEqual([{ from: 'a', message: { kind: 'heartbeat' } }, { from: 'a', message: { kind: 'leave' } }])
    })

    it('keeps one publisher’s order per document, and carries every kind', async () => {
      const a = await started('a')
      const b = await started('b', ['d'])
      const sent: BusMessage[] = []
      for (let seq = 1; seq <= 200; seq++) sent.push(update('d', seq, [seq % 256, (seq * 7) % 256]))
      sent.push({ kind: 'awareness', doc: 'd', update: Uint8Array.from([1, 2, 3]) })
      sent.push({ kind: 'query-awareness', doc: 'd' })
      sent.push({ kind: 'notice', doc: 'd', message: Uint8Array.from([104, 0, 255]) })
      for (const message of sent) await a.bus.publish(message)
      await waitUntil(() => b.got.length === sent.length, 'all messages')
      expect(b.got.map((g) => g.message)).toEqual(sent)
    })

    it('carries document names with any characters, each on its own', async () => {
      const names = ['acme/w48', 'ward:7*?[x]', 'Station Süd/KW 12 🗓', 'a'.repeat(300), 'rota:x:d:y']
      const a = await started('a')
      const b = await started('b', names)
      for (const [i, doc] of names.entries()) await a.bus.publish(update(doc, i + 1))
      await waitUntil(() => b.got.length === names.length, 'deliveries')
      expect(b.got.map(({ message }) => (message.kind === 'update' ? [message.doc, message.seq] : []))).toEqual(names.map((doc, i) => [doc, i + 1]))
    })

    it('[capability: outage] answers false while down, and is live again, with its subscriptions, when back', async (test) => {
      fixture = await setup({ outage: true })
      const outage = fixture.outage
      if (outage === undefined) return test.skip('this bus cannot be taken down in a test')
      const a = await started('a', ['d'])
      const b = await started('b', ['d'])
      await a.bus.publish(update('d', 1))
      await waitUntil(() => b.got.length === 1, 'delivery before the outage')
      await outage.stop()
      await waitUntil(() => b.status.at(-1) === false && a.status.at(-1) === false, 'status false')
      expect(await a.bus.publish(update('d', 2))).toBe(false)
      // A room loaded while the bus is down subscribes then: it must not wait, and must be live when the bus is back.
      await b.bus.subscribe('late')
      await outage.start()
      await waitUntil(() => b.status.at(-1) === true && a.status.at(-1) === true, 'status true')
      // The publishing side may reconnect a little later than the subscribing side: resend until one arrives.
      await resendUntil(() => a.bus.publish(update('d', 3)), () => updatesOf(b, 'd').includes(3), 'delivery after the outage')
      await resendUntil(() => a.bus.publish(update('late', 4)), () => updatesOf(b, 'late').includes(4), 'the subscription made while down')
      expect(updatesOf(b, 'd')).not.toContain(2)
    })
  })
}
