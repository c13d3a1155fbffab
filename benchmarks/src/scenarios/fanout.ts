import type { Arrival, Sent } from '../clients/protocol.ts'

/**
 * Fan-out latency from what the client processes recorded: each edit's send time and its sender's clock after it,
 * and each time a receiver's state for a sender advanced. A receiver has an edit once its state for the sender has
 * reached the edit's clock; all processes stamp with the machine's wall clock.
 */
export interface FanOut {
  /** One latency (ms) per edit and receiver. */
  latencies: number[]
  /** (edit, receiver) pairs never seen. */
  missing: number
}

export const fanOutLatencies = (sent: Sent[], arrivals: Arrival[], receiversOf: (clientId: number) => number[]): FanOut => {
  const sentBy = new Map<number, Array<{ clock: number; at: number }>>()
  for (const [clientId, clock, at] of sent) {
    let list = sentBy.get(clientId)
    if (list === undefined) sentBy.set(clientId, (list = []))
    list.push({ clock, at })
  }
  const arrivedBy = new Map<string, Array<{ clock: number; at: number }>>()
  for (const [receiver, clientId, clock, at] of arrivals) {
    const key = `${receiver}:${clientId}`
    let list = arrivedBy.get(key)
    if (list === undefined) arrivedBy.set(key, (list = []))
    list.push({ clock, at })
  }
  const latencies: number[] = []
  let missing = 0
  for (const [clientId, edits] of sentBy) {
    edits.sort((a, b) => a.clock - b.clock)
    for (const receiver of receiversOf(clientId)) {
      const seen = (arrivedBy.get(`${receiver}:${clientId}`) ?? []).sort((a, b) => a.clock - b.clock)
      let i = 0
      for (const edit of edits) {
        while (i < seen.length && seen[i]!.clock < edit.clock) i++
        if (i === seen.length) missing++
        else latencies.push(seen[i]!.at - edit.at)
      }
    }
  }
  return { latencies, missing }
}

/** Sent edits that `recovered` (a state vector) does not hold. */
export const countMissing = (sent: Sent[], recovered: Map<number, number>): number =>
  sent.filter(([clientId, clock]) => clock > (recovered.get(clientId) ?? 0)).length
