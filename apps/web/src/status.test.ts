import { describe, it, expect } from 'vitest'
import { describePath, deniedMessages, statusView } from './status.ts'

const base = { synced: true, saved: true, unsyncedChanges: 0, localLoaded: true }

describe('status indicator', () => {
  it('says Saved only when connected, synced and acknowledged', () => {
    expect(statusView({ ...base, state: 'connected' }).label).toBe('Saved')
    expect(statusView({ ...base, state: 'connected', saved: false, unsyncedChanges: 2 }).label).toBe('Saving 2 changes…')
    expect(statusView({ ...base, state: 'connected', synced: false }).tone).toBe('busy')
  })

  it('counts what is kept on the device while offline', () => {
    expect(statusView({ ...base, state: 'offline', saved: false, unsyncedChanges: 1 }).label).toBe('Offline · 1 change on this device')
    expect(statusView({ ...base, state: 'offline', saved: false }).label).toBe('Offline')
    expect(statusView({ ...base, state: 'auth-failed' }).tone).toBe('bad')
  })
})

describe('deniedMessages', () => {
  it('says which change was not accepted and why, in words, and that the rest is saved', () => {
    const lines = deniedMessages({
      at: '2026-12-02T00:00:00.000Z',
      code: 'ROTA_ERR_FORBIDDEN',
      reason: 'shifts.s4.assignee: shift s4 belongs to ben: staff may only release their own shifts',
      changes: [{ path: 'shifts.s4.assignee', kind: 'set', value: 'ana', previous: 'ben', reason: 'shift s4 belongs to ben: staff may only release their own shifts' }],
    })
    expect(lines).toEqual(['Your change to assignee of shift s4 was not accepted: shift s4 belongs to ben: staff may only release their own shifts. The rest is saved.'])
    expect(describePath('staff.ben.name')).toBe('name of staff member ben')
    expect(describePath('settings.name')).toBe('name in the settings')
    expect(describePath('?')).toBe('?')
  })

  it('a whole refused update points to a reload', () => {
    expect(deniedMessages({ at: '', code: 'ROTA_ERR_FORBIDDEN', reason: 'update cannot be applied yet', changes: [] })[0]).toMatch(/Reload/)
  })
})
