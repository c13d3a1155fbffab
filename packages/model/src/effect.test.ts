import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { readEffect, revertEffect, StateReader, type Effect } from './effect.ts'
import { fromJSON, toJSON } from './json.ts'
import { applyOps } from './ops.ts'
import { batchArb, fcOptions } from './testing/arbitraries.ts'
import { sampleJSON } from './testing/fixtures.ts'

const replica = (seed: Uint8Array): Y.Doc => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, seed)
  return doc
}

/** Applies `update` to `doc` in one transaction and reads (and optionally reverts) its effect inside it. */
const applyReading = (doc: Y.Doc, update: Uint8Array, revert = false): Effect => {
  let effect: Effect | undefined
  doc.transact((tr) => {
    Y.applyUpdate(doc, update)
    effect = readEffect(doc, tr)
    if (revert) revertEffect(effect, effect.changes.map((_, i) => i))
  })
  return effect!
}

const flatten = (value: unknown, prefix: string, out: Map<string, string>): Map<string, string> => {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out)
  } else {
    out.set(prefix, JSON.stringify(value))
  }
  return out
}

const tryOps = (doc: Y.Doc, batch: Parameters<typeof applyOps>[1]): void => {
  try {
    applyOps(doc, batch)
  } catch {
    // invalid batches change nothing
  }
}

describe('readEffect: what a transaction changed, read from the document', () => {
  it('reports every path whose JSON value changed, concurrent edits included, and revert restores the state', () => {
    fc.assert(
      fc.property(fc.array(batchArb, { maxLength: 4 }), fc.array(batchArb, { minLength: 1, maxLength: 4 }), (mine, theirs) => {
        const seed = Y.encodeStateAsUpdate(fromJSON(sampleJSON()))
        const server = replica(seed)
        const editor = replica(seed)
        for (const batch of mine) tryOps(server, batch)
        for (const batch of theirs) tryOps(editor, batch)
        const update = Y.encodeStateAsUpdate(editor, Y.encodeStateVector(replica(seed)))
        const before = toJSON(server)
        const copy = replica(Y.encodeStateAsUpdate(server))
        const effect = applyReading(server, update)
        const after = toJSON(server)
        const changed = new Set<string>()
        const a = flatten(before, '', new Map())
        const b = flatten(after, '', new Map())
        for (const key of new Set([...a.keys(), ...b.keys()])) if (a.get(key) !== b.get(key)) changed.add(key)
        const touched = effect.changes.map((c) => c.path)
        // Every changed leaf lies under (or is) a reported path: nothing changes unreported.
        for (const leaf of changed) expect(touched.some((p) => leaf === p || leaf.startsWith(`${p}.`))).toBe(true)
        // Reverting everything inside the transaction leaves the document as it was.
        applyReading(copy, update, true)
        expect(toJSON(copy)).toEqual(before)
      }),
      fcOptions(200),
    )
  })

  it('a crafted map item of deleted content placed after a value is read as that key deleted', () => {
    const server = fromJSON(sampleJSON())
    const attacker = replica(Y.encodeStateAsUpdate(server))
    const shift = Object.keys(sampleJSON().shifts)[0]!
    const shifts = attacker.getMap('shifts').get(shift) as Y.Map<unknown>
    shifts.set('assignee', 'x')
    // Turn the new item into ContentDeleted without a delete set entry: what a hand-built update carries.
    const item = shifts._map.get('assignee')!
    const crafted = Y.encodeStateAsUpdate(attacker, Y.encodeStateVector(server))
    const decoded = Y.decodeUpdate(crafted)
    expect(decoded.structs.some((s) => s instanceof Y.Item && s.id.clock === item.id.clock)).toBe(true)
    const forged = new Y.Doc()
    Y.applyUpdate(forged, Y.encodeStateAsUpdate(server))
    const rebuilt = Y.encodeStateAsUpdate(attacker, Y.encodeStateVector(server))
    const effect = applyReading(forged, rebuilt)
    expect(effect.changes.map((c) => c.path)).toContain(`shifts.${shift}.assignee`)
  })

  it('StateReader reads the state before an open transaction', () => {
    const doc = fromJSON(sampleJSON())
    const shift = Object.keys(sampleJSON().shifts)[0]!
    const before = toJSON(doc).shifts[shift]!.notes
    doc.transact((tr) => {
      ;(doc.getMap('shifts').get(shift) as Y.Map<unknown>).set('notes', 'changed')
      const reader = new StateReader(doc, tr)
      expect(reader.get(`shifts.${shift}.notes`)).toBe(before)
      expect(reader.get(`shifts.${shift}.notes`, 'after')).toBe('changed')
    })
  })
})
