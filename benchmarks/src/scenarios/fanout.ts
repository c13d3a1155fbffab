import * as Y from 'yjs'

/**
 * Fan-out latency: every edit is stamped with its send time and its end clock; a receiving replica has seen the edit
 * once its state vector reaches that clock. Senders and receivers live in this process (the server does not), so one
 * clock serves both ends.
 */
export interface FanOutTracker {
  /** Records the edit the sender just applied. */
  stamp(sender: Y.Doc): void
  /** Starts watching `receiver` for the edits of `senders` (its peers on the same document). */
  watch(receiver: Y.Doc, senders: Y.Doc[]): () => void
  /** Latencies (ms) recorded since the last call, and clears them. */
  take(): number[]
  /** Edits stamped so far per sender client id: (end clock, send time). */
  readonly sent: ReadonlyMap<number, ReadonlyArray<{ clock: number; at: number }>>
}

export const createFanOutTracker = (now: () => number = () => performance.now()): FanOutTracker => {
  const sent = new Map<number, Array<{ clock: number; at: number }>>()
  let latencies: number[] = []
  return {
    sent,
    stamp: (sender) => {
      let list = sent.get(sender.clientID)
      if (list === undefined) sent.set(sender.clientID, (list = []))
      list.push({ clock: Y.getState(sender.store, sender.clientID), at: now() })
    },
    watch: (receiver, senders) => {
      const cursors = new Map<number, number>(senders.map((s) => [s.clientID, 0]))
      const onUpdate = () => {
        const t = now()
        for (const [client, index] of cursors) {
          const list = sent.get(client)
          if (list === undefined) continue
          const clock = Y.getState(receiver.store, client)
          let i = index
          while (i < list.length && list[i]!.clock <= clock) latencies.push(t - list[i++]!.at)
          cursors.set(client, i)
        }
      }
      receiver.on('update', onUpdate)
      return () => receiver.off('update', onUpdate)
    },
    take: () => {
      const out = latencies
      latencies = []
      return out
    },
  }
}

/** Edits of `sent` that `recovered` (a state vector) does not hold. */
export const countMissing = (sent: FanOutTracker['sent'], recovered: Map<number, number>): number => {
  let missing = 0
  for (const [client, list] of sent) {
    const clock = recovered.get(client) ?? 0
    for (const edit of list) if (edit.clock > clock) missing++
  }
  return missing
}
