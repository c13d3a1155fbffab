import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { colorFor, editorsByRecord, guestName, initials, peersOf } from './presence.ts'

describe('presence', () => {
  it('lists other people, skipping self and foreign awareness states', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { user: { name: 'Me', color: '#000' }, editing: null, view: 'week' }],
      [2, { user: { name: 'Zoe', color: '#111' }, editing: { kind: 'shift', id: 's1' }, view: 'week' }],
      [3, { cursor: 5 }],
      [4, { user: { name: 'Ana', color: '#222' } }],
    ])
    const peers = peersOf(states, 1)
    expect(peers.map((p) => p.user.name)).toEqual(['Ana', 'Zoe'])
    expect(peers[0]!.editing).toBeNull()
    expect(editorsByRecord(peers).get('s1')?.map((p) => p.clientId)).toEqual([2])
  })

  it('gives each name one stable colour and readable initials', () => {
    fc.assert(fc.property(fc.string(), (name) => {
      expect(colorFor(name)).toMatch(/^#[0-9a-f]{6}$/)
      expect(colorFor(name)).toBe(colorFor(name))
    }))
    expect(initials('ana maria lopez')).toBe('AM')
    expect(initials('   ')).toBe('?')
    expect(guestName(() => 0)).toBe('Guest 1000')
  })
})
