import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ModelError } from './errors.ts'
import { fromJSON, toJSON } from './json.ts'
import { applyOps } from './ops.ts'
import { batchArb, fcOptions } from './testing/arbitraries.ts'
import { sampleJSON } from './testing/fixtures.ts'

/** Something a test run does: a replica edits, or the network delivers (maybe keeping a copy to deliver again). */
type Action =
  | { kind: 'edit'; replica: number; batch: Parameters<typeof applyOps>[1] }
  | { kind: 'deliver'; pick: number; duplicate: boolean }

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('edit' as const), replica: fc.nat(), batch: batchArb }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), duplicate: fc.boolean() }),
)

interface Message {
  to: number
  update: Uint8Array
}

describe('convergence: replicas editing concurrently end identical', () => {
  it('2–5 replicas, random ops, updates delivered in any order with duplicates and delays', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.array(actionArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (count, actions, finalOrder) => {
          const seed = Y.encodeStateAsUpdate(fromJSON(sampleJSON()))
          const replicas = Array.from({ length: count }, () => {
            const doc = new Y.Doc()
            Y.applyUpdate(doc, seed)
            return doc
          })
          const network: Message[] = []
          replicas.forEach((doc, from) => {
            doc.on('update', (update: Uint8Array, origin: unknown) => {
              if (origin === 'network') return // replicas relay only their own edits; every edit goes to every peer
              replicas.forEach((_, to) => to !== from && network.push({ to, update }))
            })
          })
          const deliver = (index: number, duplicate: boolean): void => {
            const message = network[index]!
            if (!duplicate) network.splice(index, 1)
            Y.applyUpdate(replicas[message.to]!, message.update, 'network')
          }
          for (const action of actions) {
            if (action.kind === 'edit') {
              try {
                applyOps(replicas[action.replica % count]!, action.batch, 'local')
              } catch (err) {
                if (!(err instanceof ModelError)) throw err // invalid locally: nothing written, nothing sent
              }
            } else if (network.length > 0) {
              deliver(action.pick % network.length, action.duplicate)
            }
          }
          // Flush: the rest in a random order (with some duplicates first), until the network is empty.
          for (const pick of finalOrder) if (network.length > 0) deliver(pick % network.length, pick % 3 === 0)
          while (network.length > 0) deliver(network.length - 1, false)

          const first = replicas[0]!
          for (const doc of replicas) {
            expect(doc.store.pendingStructs).toBeNull()
            expect(doc.store.pendingDs).toBeNull()
            expect(toJSON(doc)).toEqual(toJSON(first))
            expect(JSON.stringify(toJSON(doc))).toBe(JSON.stringify(toJSON(first)))
            expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(first))
          }
        },
      ),
      fcOptions(100),
    )
  }, 60_000)
})
