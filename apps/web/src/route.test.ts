import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { formatRoute, parseRoute, VIEWS, type Route } from './route.ts'

describe('route', () => {
  it('defaults to the picker and the week view', () => {
    expect(parseRoute('')).toEqual({ doc: null, view: 'week', week: null, at: null })
    expect(parseRoute('#doc=acme%2Fw48&view=nope&week=bad&at=-1')).toEqual({ doc: 'acme/w48', view: 'week', week: null, at: null })
  })

  it('round-trips every route', () => {
    const routeArb = fc.record({
      doc: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
      view: fc.constantFrom(...VIEWS),
      week: fc.option(fc.constantFrom('2026-11-23', '2027-01-04')),
      at: fc.option(fc.nat()),
    })
    fc.assert(fc.property(routeArb, (route: Route) => {
      expect(parseRoute(formatRoute(route))).toEqual(route)
    }))
  })
})
