import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'

/** One hand-written struct for crafted (hostile) updates. */
export interface CraftedItem {
  origin?: Y.ID
  rightOrigin?: Y.ID
  /** Root name or parent item id (only written when there is neither origin nor rightOrigin). */
  parent?: string | Y.ID
  parentSub?: string
  content: Y.ContentAny | Y.ContentDeleted | Y.ContentDoc | Y.ContentString
}

/**
 * Encodes a Yjs v1 update from explicit structs, the way an attacker (or a buggy client) could:
 * nothing checks that the references make sense.
 */
export const craftUpdate = (
  runs: Array<{ client: number; clock: number; items: CraftedItem[] }>,
  deletes: Array<{ client: number; clock: number; len: number }> = [],
): Uint8Array => {
  const encoder = new Y.UpdateEncoderV1()
  encoding.writeVarUint(encoder.restEncoder, runs.length)
  for (const { client, clock, items } of runs) {
    encoding.writeVarUint(encoder.restEncoder, items.length)
    encoder.writeClient(client)
    encoding.writeVarUint(encoder.restEncoder, clock)
    let at = clock
    for (const crafted of items) {
      const item = new Y.Item(
        Y.createID(client, at),
        null,
        crafted.origin ?? null,
        null,
        crafted.rightOrigin ?? null,
        (crafted.parent ?? null) as never,
        crafted.parentSub ?? null,
        crafted.content,
      )
      item.write(encoder, 0)
      at += item.length
    }
  }
  const byClient = new Map<number, Array<{ clock: number; len: number }>>()
  for (const { client, clock, len } of deletes) byClient.set(client, [...(byClient.get(client) ?? []), { clock, len }])
  encoding.writeVarUint(encoder.restEncoder, byClient.size)
  for (const [client, ranges] of byClient) {
    encoder.resetDsCurVal()
    encoding.writeVarUint(encoder.restEncoder, client)
    encoding.writeVarUint(encoder.restEncoder, ranges.length)
    for (const { clock, len } of ranges) {
      encoder.writeDsClock(clock)
      encoder.writeDsLen(len)
    }
  }
  return encoder.toUint8Array()
}
