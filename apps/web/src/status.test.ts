import { describe, it, expect } from 'vitest'
import { statusView } from './status.ts'

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
