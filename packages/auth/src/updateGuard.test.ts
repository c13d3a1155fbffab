import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import { checkUpdate, inconsistentPlacement, isNoopUpdate, missingDependency } from './updateGuard.ts'
import { craftUpdate } from './testing/craft.ts'

const any = (...values: unknown[]) => new Y.ContentAny(values)

/** A small document with maps, arrays and some deletions, like a schedule. */
const sampleDoc = (): Y.Doc => {
  const doc = new Y.Doc()
  const shifts = doc.getMap('shifts')
  const s1 = new Y.Map<unknown>()
  shifts.set('s1', s1)
  s1.set('assignee', null)
  s1.set('notes', '')
  s1.set('assignee', 'ana')
  const days = new Y.Array<string>()
  doc.getMap('staff').set('ana', days)
  days.push(['2026-12-01', '2026-12-02', '2026-12-03'])
  days.delete(1, 1)
  return doc
}

describe('checkUpdate', () => {
  it('accepts real updates and counts what they hold', () => {
    const update = Y.encodeStateAsUpdate(sampleDoc())
    const check = checkUpdate(update)
    expect(check).toMatchObject({ ok: true })
    expect(check.ok && check.structs).toBeGreaterThan(3)
    expect(check.ok && check.deleteRanges).toBeGreaterThan(0)
    expect(checkUpdate(update, { allowedRoots: ['shifts', 'staff'] })).toMatchObject({ ok: true })
  })

  it('refuses the yjs#479 and yjs#498 inputs without hanging', () => {
    expect(checkUpdate(Buffer.from('garbagedoc', 'base64'))).toMatchObject({ ok: false })
    expect(checkUpdate(new Uint8Array())).toMatchObject({ ok: false })
    // A varuint that never ends and huge counts over a tiny buffer.
    expect(checkUpdate(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toMatchObject({ ok: false })
    expect(checkUpdate(new Uint8Array([0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 1, 0]))).toMatchObject({ ok: false })
  })

  it('refuses an item that refers forward into its own client (applyUpdate would throw halfway)', () => {
    const update = craftUpdate([{ client: 7, clock: 0, items: [{ origin: Y.createID(7, 5), content: any('a') }, { parent: 'm', content: any('b') }] }])
    expect(() => Y.applyUpdate(new Y.Doc(), update)).toThrow()
    expect(checkUpdate(update)).toMatchObject({ ok: false, reason: expect.stringMatching(/refers forward/) })
  })

  it('refuses empty structs, clocks past the limit, a client listed twice, subdocuments and foreign roots', () => {
    const cases = {
      empty: craftUpdate([{ client: 1, clock: 0, items: [{ parent: 'shifts', parentSub: 'x', content: any() }] }]),
      huge: craftUpdate([{ client: 1, clock: 2 ** 40, items: [{ parent: 'shifts', parentSub: 'x', content: any(1) }] }]),
      hugeDelete: craftUpdate([], [{ client: 1, clock: 2 ** 45, len: 3 }]),
      twiceApart: craftUpdate([
        { client: 1, clock: 0, items: [{ parent: 'shifts', parentSub: 'x', content: any(1) }] },
        { client: 2, clock: 0, items: [{ parent: 'shifts', parentSub: 'z', content: any(1) }] },
        { client: 1, clock: 1, items: [{ parent: 'shifts', parentSub: 'y', content: any(2) }] },
      ]),
      twiceOverlapping: craftUpdate([
        { client: 1, clock: 3, items: [{ parent: 'shifts', parentSub: 'x', content: any(1) }] },
        { client: 1, clock: 0, items: [{ parent: 'shifts', parentSub: 'y', content: any(2) }] },
      ]),
      subdoc: craftUpdate([{ client: 1, clock: 0, items: [{ parent: 'shifts', parentSub: 'x', content: new Y.ContentDoc(new Y.Doc()) }] }]),
    }
    for (const [name, update] of Object.entries(cases)) expect(checkUpdate(update), name).toMatchObject({ ok: false })
    const foreign = craftUpdate([{ client: 1, clock: 0, items: [{ parent: 'evil', parentSub: 'x', content: any(1) }] }])
    expect(checkUpdate(foreign)).toMatchObject({ ok: true })
    expect(checkUpdate(foreign, { allowedRoots: ['shifts', 'staff', 'settings'] })).toMatchObject({ ok: false })
  })

  it('enforces size and struct-count limits', () => {
    const update = Y.encodeStateAsUpdate(sampleDoc())
    expect(checkUpdate(update, { maxBytes: 10 })).toMatchObject({ ok: false })
    expect(checkUpdate(update, { maxStructs: 2 })).toMatchObject({ ok: false })
    expect(checkUpdate(update, { maxDeleteRanges: 0 })).toMatchObject({ ok: false })
  })

  it('never throws on random or mutated updates (property)', () => {
    const real = Y.encodeStateAsUpdate(sampleDoc())
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof checkUpdate(bytes).ok).toBe('boolean')
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const mutated = real.slice()
        for (const [at, value] of flips) mutated[at] = value
        const check = checkUpdate(mutated)
        // Whatever the guard accepts, Yjs must be able to apply without throwing.
        if (check.ok && missingDependency(new Y.Doc(), mutated) === undefined) Y.applyUpdate(new Y.Doc(), mutated)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('missingDependency', () => {
  it('is undefined for updates the document can integrate now', () => {
    const doc = sampleDoc()
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
    const sv = Y.encodeStateVector(replica)
    replica.getMap('shifts').set('s2', 'x')
    expect(missingDependency(doc, Y.encodeStateAsUpdate(replica, sv))).toBeUndefined()
    expect(missingDependency(new Y.Doc(), Y.encodeStateAsUpdate(doc))).toBeUndefined()
  })

  it('names what is missing when Yjs would keep the update pending', () => {
    const doc = sampleDoc()
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
    const sv = Y.encodeStateVector(replica)
    ;(replica.getMap('shifts').get('s1') as Y.Map<unknown>).set('notes', 'bring keys')
    const increment = Y.encodeStateAsUpdate(replica, sv)
    replica.getMap('shifts').set('s3', 'y')
    const later = Y.encodeStateAsUpdate(replica, Y.encodeStateVector(doc))
    // An empty document lacks everything the increment builds on.
    expect(missingDependency(new Y.Doc(), increment)).toMatch(/needs unknown/)
    // A gap: the document never got `increment`, and `laterOnly` starts after it.
    const laterOnly = Y.diffUpdate(later, Y.encodeStateVectorFromUpdate(Y.mergeUpdates([Y.encodeStateAsUpdate(doc), increment])))
    expect(missingDependency(doc, laterOnly)).toMatch(/starts at/)
    const foreignDelete = craftUpdate([], [{ client: 99, clock: 0, len: 2 }])
    expect(missingDependency(doc, foreignDelete)).toMatch(/does not have/)
  })
})

describe('isNoopUpdate', () => {
  it('is true for a synced replica’s sync step 2 (which carries the whole delete set)', () => {
    const doc = sampleDoc()
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
    const step2 = Y.encodeStateAsUpdate(replica, Y.encodeStateVector(doc))
    expect(isNoopUpdate(doc, step2)).toBe(true)
    expect(isNoopUpdate(doc, Y.encodeStateAsUpdate(doc))).toBe(true)
  })

  it('is false for new structs and for new deletions of known structs', () => {
    const doc = sampleDoc()
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
    const sv = Y.encodeStateVector(replica)
    const edits: Uint8Array[] = []
    replica.on('update', (update: Uint8Array) => edits.push(update))
    ;(replica.getMap('staff').get('ana') as Y.Array<string>).delete(0, 1)
    replica.getMap('shifts').set('s9', 1)
    expect(edits).toHaveLength(2)
    for (const edit of edits) expect(isNoopUpdate(doc, edit)).toBe(false)
    expect(isNoopUpdate(doc, Y.encodeStateAsUpdate(replica, sv))).toBe(false)
  })

  it('is false for a copy of a known struct that names ids the document lacks (Yjs keeps it pending)', () => {
    const doc = sampleDoc()
    const first = doc.getMap('shifts').get('s1') as Y.Map<unknown>
    const { client, clock } = (first as unknown as { _item: Y.Item })._item.id
    const forged = craftUpdate([{ client, clock, items: [{ origin: Y.createID(client + 1, 3), content: any('forged') }] }])
    expect(isNoopUpdate(doc, forged)).toBe(false)
    expect(missingDependency(doc, forged)).toMatch(/needs unknown/)
    // The premise: applied, the copy is not skipped but kept pending.
    Y.applyUpdate(doc, forged)
    expect(doc.store.pendingStructs).not.toBeNull()
  })
})

describe('inconsistentPlacement', () => {
  const itemOf = (map: Y.Map<unknown>, key: string): Y.Item => (map as unknown as { _map: Map<string, Y.Item> })._map.get(key)!

  it('is undefined for real edits of maps and lists', () => {
    const doc = sampleDoc()
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
    const sv = Y.encodeStateVector(replica)
    replica.transact(() => {
      ;(replica.getMap('shifts').get('s1') as Y.Map<unknown>).set('notes', 'x')
      ;(replica.getMap('staff').get('ana') as Y.Array<string>).insert(1, ['2026-12-05'])
      replica.getMap('shifts').set('s2', new Y.Map())
    })
    expect(inconsistentPlacement(doc, Y.encodeStateAsUpdate(replica, sv))).toBeUndefined()
    expect(inconsistentPlacement(new Y.Doc(), Y.encodeStateAsUpdate(doc))).toBeUndefined()
  })

  it('refuses an item between neighbours of different parents, and a map entry with a right neighbour', () => {
    const doc = sampleDoc()
    const s1 = doc.getMap('shifts').get('s1') as Y.Map<unknown>
    const days = doc.getMap('staff').get('ana') as Y.Array<string>
    const firstDay = (days as unknown as { _start: Y.Item })._start
    const notes = itemOf(s1, 'notes')
    const across = craftUpdate([{ client: 901, clock: 0, items: [{ origin: firstDay.id, rightOrigin: notes.id, content: any('x') }] }])
    expect(inconsistentPlacement(doc, across)).toMatch(/different parents/)
    const mapRight = craftUpdate([{ client: 902, clock: 0, items: [{ origin: notes.id, rightOrigin: itemOf(s1, 'assignee').id, content: any('x') }] }])
    expect(inconsistentPlacement(doc, mapRight)).toMatch(/different parents|right neighbour/)
    const onlyRight = craftUpdate([{ client: 903, clock: 0, items: [{ rightOrigin: notes.id, content: any('x') }] }])
    expect(inconsistentPlacement(doc, onlyRight)).toMatch(/right neighbour/)
  })
})
