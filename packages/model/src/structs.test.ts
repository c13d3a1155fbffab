import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { findStruct, itemRefs } from './describe.ts'

const itemsOf = (update: Uint8Array): Y.Item[] => Y.decodeUpdate(update).structs.filter((s): s is Y.Item => s instanceof Y.Item)
const id = (ref: Y.ID) => [ref.client, ref.clock]

describe('itemRefs', () => {
  it('names an item’s neighbours, and its parent only inside a nested type', () => {
    const doc = new Y.Doc()
    doc.clientID = 1
    const shifts = doc.getMap('shifts')
    const shift = new Y.Map<string>()
    shifts.set('s1', shift)
    shift.set('assignee', 'ana')
    const list = doc.getArray<string>('list')
    list.push(['a', 'b'])
    list.insert(1, ['x'])
    const items = itemsOf(Y.encodeStateAsUpdate(doc))
    const byContent = (text: string) => items.find((item) => item.content.getContent()[0] === text)!

    expect(itemRefs(byContent('ana')).map(id)).toEqual([[1, 0]]) // no neighbours; parent is the shift map (1:0)
    expect(itemRefs(items.find((item) => item.parentSub === 's1')!)).toEqual([]) // in a root map: nothing named
    expect(itemRefs(byContent('x')).map(id)).toEqual([[1, 2], [1, 3]]) // between 'a' (1:2) and 'b' (1:3)
  })
})

describe('findStruct', () => {
  it('finds the struct covering a clock, or nothing', () => {
    const structs = [
      { id: Y.createID(1, 0), length: 3 },
      { id: Y.createID(1, 3), length: 1 },
      { id: Y.createID(1, 10), length: 5 },
    ]
    expect(findStruct(structs, 2)).toBe(structs[0])
    expect(findStruct(structs, 3)).toBe(structs[1])
    expect(findStruct(structs, 14)).toBe(structs[2])
    expect(findStruct(structs, 5)).toBeUndefined()
    expect(findStruct(structs, 15)).toBeUndefined()
  })
})
