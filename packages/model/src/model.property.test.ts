import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ModelError } from './errors.ts'
import { fromJSON, toJSON } from './json.ts'
import { applyOps } from './ops.ts'
import { batchArb, fcOptions } from './testing/arbitraries.ts'
import { sampleJSON } from './testing/fixtures.ts'
import { applyReference } from './testing/reference.ts'

describe('model-based: applyOps on a Y.Doc matches the plain JSON reference', () => {
  it('any sequence of op batches gives the same toJSON (and the same verdict on invalid batches)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(batchArb, { minLength: 1, maxLength: 12 }), (fromSample, batches) => {
        const doc = fromSample ? fromJSON(sampleJSON()) : new Y.Doc()
        let reference = toJSON(doc)
        for (const batch of batches) {
          const expected = applyReference(reference, batch)
          let actual: string | null = null
          try {
            applyOps(doc, batch)
          } catch (err) {
            if (!(err instanceof ModelError)) throw err
            actual = err.code
          }
          expect(actual).toBe(expected.ok ? null : expected.code)
          if (expected.ok) reference = expected.schedule
          expect(toJSON(doc)).toEqual(reference)
        }
        // The encoded document carries the same state, and JSON round-trips.
        const copy = new Y.Doc()
        Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
        expect(toJSON(copy)).toEqual(reference)
        expect(toJSON(fromJSON(reference))).toEqual(reference)
      }),
      fcOptions(100),
    )
  }, 60_000)
})
